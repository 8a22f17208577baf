"""Read-only API of roadmaps, action statuses and assessment summaries, scoped like the pages.

No serializer here carries association staff's names or contacts: outside viewers read
this API, and progress is what they need.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers

from himaya.capacity import queries
from himaya.capacity.models import (
    Action,
    ActionStatus,
    Assessment,
    AssessmentScore,
    Objective,
    Roadmap,
    RoadmapStatus,
)
from himaya.capacity.views import READERS


# drf-spectacular names enums after the field ("status") and warns, failing `check --deploy`,
# when one choice set appears in several components while other apps use "status" too.
# Each component gets its own enum id, so each enum is named after its component.
def _status_field(choices: type, enum_id: str) -> type[serializers.ChoiceField]:
    schema = {"type": "string", "enum": list(choices.values), "x-spec-enum-id": enum_id}
    return extend_schema_field(schema)(type(f"{enum_id}Field", (serializers.ChoiceField,), {}))


RoadmapStatusField = _status_field(RoadmapStatus, "CapacityRoadmapStatus")
RoadmapDetailStatusField = _status_field(RoadmapStatus, "CapacityRoadmapDetailStatus")
ActionStatusField = _status_field(ActionStatus, "CapacityActionStatus")


class ProgressOutput(serializers.Serializer):
    total = serializers.IntegerField()
    on_track = serializers.IntegerField()
    late = serializers.IntegerField()
    done = serializers.IntegerField()
    done_percent = serializers.IntegerField()
    budget = serializers.DecimalField(max_digits=14, decimal_places=2)


class ActionOutput(serializers.ModelSerializer):
    roadmap = serializers.IntegerField(source="objective.roadmap_id", read_only=True)
    organisation = serializers.CharField(source="objective.roadmap.organisation.code", read_only=True)
    status = ActionStatusField(choices=ActionStatus.choices, read_only=True)

    class Meta:
        model = Action
        fields = ["id", "roadmap", "organisation", "objective", "title", "start", "end", "budget",
                  "status", "progress", "completed_on"]


class ObjectiveOutput(serializers.ModelSerializer):
    snia_programme = serializers.SlugRelatedField(slug_field="code", read_only=True)
    actions = ActionOutput(many=True, read_only=True)

    class Meta:
        model = Objective
        fields = ["id", "title", "snia_programme", "regional_priority", "actions"]


class RoadmapOutput(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="code", read_only=True)
    programme = serializers.SlugRelatedField(slug_field="code", read_only=True)
    status = RoadmapStatusField(choices=RoadmapStatus.choices, read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Roadmap
        fields = ["id", "organisation", "programme", "title", "start", "end", "status", "revision",
                  "submitted_at", "validated_at", "progress"]

    @extend_schema_field(ProgressOutput)
    def get_progress(self, roadmap: Roadmap) -> dict[str, Any]:
        counts = self.context.get("progress", {}).get(roadmap.pk) or queries.ProgressCounts()
        return ProgressOutput(counts).data


class RoadmapDetailOutput(RoadmapOutput):
    status = RoadmapDetailStatusField(choices=RoadmapStatus.choices, read_only=True)
    objectives = ObjectiveOutput(many=True, read_only=True)

    class Meta(RoadmapOutput.Meta):
        fields = [*RoadmapOutput.Meta.fields, "objectives"]


class ScoreOutput(serializers.ModelSerializer):
    domain = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = AssessmentScore
        fields = ["domain", "score"]


class AssessmentSummaryOutput(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="code", read_only=True)
    average_score = serializers.FloatField(read_only=True)
    scores = ScoreOutput(many=True, read_only=True)

    class Meta:
        model = Assessment
        fields = ["id", "organisation", "assessed_on", "average_score", "scores"]


class _WithProgress:
    """Counts for the roadmaps on the page, computed in one query."""

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()  # type: ignore[misc]
        context["progress"] = queries.progress_by_roadmap(self.get_queryset())  # type: ignore[attr-defined]
        return context


class RoadmapListApi(_WithProgress, generics.ListAPIView):
    allowed_roles = READERS
    serializer_class = RoadmapOutput

    @extend_schema(parameters=[OpenApiParameter("status", str, enum=list(RoadmapStatus.values))])
    def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):  # noqa: ANN201
        qs = queries.roadmaps_visible_to(self.request.user)
        status = self.request.query_params.get("status")
        return qs.filter(status=status) if status else qs


class RoadmapDetailApi(_WithProgress, generics.RetrieveAPIView):
    allowed_roles = READERS
    serializer_class = RoadmapDetailOutput

    def get_queryset(self):  # noqa: ANN201
        return queries.roadmaps_visible_to(self.request.user).prefetch_related(
            "objectives__snia_programme", "objectives__actions__objective__roadmap__organisation"
        )


class ActionStatusApi(generics.ListAPIView):
    allowed_roles = READERS
    serializer_class = ActionOutput

    @extend_schema(parameters=[
        OpenApiParameter("status", str, enum=list(ActionStatus.values)),
        OpenApiParameter("roadmap", int),
    ])
    def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):  # noqa: ANN201
        qs = queries.actions_visible_to(self.request.user).order_by("pk")
        status = self.request.query_params.get("status")
        if status:
            qs = qs.filter(status=status)
        roadmap = self.request.query_params.get("roadmap")
        # Within BIGINT: a larger number is no roadmap, not a database overflow (found by fuzzing).
        if roadmap and roadmap.isascii() and roadmap.isdigit() and int(roadmap) < 2**63:
            qs = qs.filter(objective__roadmap_id=int(roadmap))
        return qs


class AssessmentSummaryApi(generics.ListAPIView):
    allowed_roles = READERS
    serializer_class = AssessmentSummaryOutput

    def get_queryset(self):  # noqa: ANN201
        return queries.assessment_averages(self.request.user).order_by("organisation__code",
                                                                       "assessed_on")
