"""Read-only API of organisations, programmes and agreements, scoped like the pages."""

from rest_framework import generics, serializers

from himaya.organisations import queries
from himaya.organisations.models import Agreement, Organisation, Programme
from himaya.organisations.views import READERS


class OrganisationOutput(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "code", "kind", "acronym", "name_fr", "name_ar", "name_en", "region"]


class ProgrammeOutput(serializers.ModelSerializer):
    axis = serializers.SlugRelatedField(slug_field="code", read_only=True)
    regions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    donors = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    sdg_targets = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Programme
        fields = [
            "id", "code", "title_fr", "title_ar", "title_en", "start", "end", "axis",
            "regions", "donors", "sdg_targets",
        ]


class AgreementOutput(serializers.ModelSerializer):
    partner = serializers.SlugRelatedField(slug_field="code", read_only=True)
    programme = serializers.SlugRelatedField(slug_field="code", read_only=True)
    regions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    currency = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Agreement
        fields = [
            "id", "reference", "partner", "programme", "regions", "start", "end", "budget",
            "currency",
        ]


class OrganisationListApi(generics.ListAPIView):
    allowed_roles = READERS
    serializer_class = OrganisationOutput

    def get_queryset(self):  # noqa: ANN201
        return queries.organisations_visible_to(self.request.user)


class OrganisationDetailApi(generics.RetrieveAPIView):
    allowed_roles = READERS
    serializer_class = OrganisationOutput

    def get_queryset(self):  # noqa: ANN201
        return queries.organisations_visible_to(self.request.user)


class ProgrammeListApi(generics.ListAPIView):
    allowed_roles = READERS
    serializer_class = ProgrammeOutput

    def get_queryset(self):  # noqa: ANN201
        return queries.programmes_visible_to(self.request.user).prefetch_related(
            "regions", "donors", "sdg_targets"
        )


class AgreementListApi(generics.ListAPIView):
    allowed_roles = READERS
    serializer_class = AgreementOutput

    def get_queryset(self):  # noqa: ANN201
        return queries.agreements_visible_to(self.request.user).prefetch_related("regions")
