from rest_framework import generics, serializers

from himaya.accounts.roles import EVERY_ROLE
from himaya.jobs.models import Job
from himaya.jobs.queries import jobs_visible_to


class JobOutput(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = Job
        fields = [
            "id", "kind", "status", "stage", "progress_done", "progress_total", "percent",
            "result", "error", "created_at", "started_at", "finished_at",
        ]


class JobDetailApi(generics.RetrieveAPIView):
    """A job's status and progress, for clients that started an import."""

    allowed_roles = EVERY_ROLE
    serializer_class = JobOutput

    def get_queryset(self):  # noqa: ANN201
        return jobs_visible_to(self.request.user)
