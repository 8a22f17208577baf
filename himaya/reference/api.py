"""Reference lists for forms and offline clients. Not personal data; any signed-in role."""

from rest_framework import generics, serializers

from himaya.accounts.roles import EVERY_ROLE
from himaya.reference.models import Commune, Country, Language, Province, Region


class RegionOutput(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name_fr", "name_ar", "name_en", "population_2024"]


class ProvinceOutput(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Province
        fields = ["code", "name_fr", "name_ar", "kind", "region"]


class CommuneOutput(serializers.ModelSerializer):
    province = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Commune
        fields = ["code", "name_fr", "name_ar", "kind", "province"]


class CountryOutput(serializers.ModelSerializer):
    class Meta:
        model = Country
        fields = ["alpha3", "alpha2", "name_fr", "name_ar", "name_en"]


class LanguageOutput(serializers.ModelSerializer):
    class Meta:
        model = Language
        fields = ["code", "alpha2", "name_fr", "name_ar", "name_en"]


class RegionListApi(generics.ListAPIView):
    allowed_roles = EVERY_ROLE
    serializer_class = RegionOutput
    queryset = Region.objects.all()
    pagination_class = None


class ProvinceListApi(generics.ListAPIView):
    allowed_roles = EVERY_ROLE
    serializer_class = ProvinceOutput
    pagination_class = None

    def get_queryset(self):  # noqa: ANN201
        qs = Province.objects.select_related("region")
        region = self.request.query_params.get("region")
        return qs.filter(region__code=region) if region else qs


class CommuneListApi(generics.ListAPIView):
    allowed_roles = EVERY_ROLE
    serializer_class = CommuneOutput

    def get_queryset(self):  # noqa: ANN201
        qs = Commune.objects.select_related("province")
        province = self.request.query_params.get("province")
        return qs.filter(province__code=province) if province else qs


class CountryListApi(generics.ListAPIView):
    allowed_roles = EVERY_ROLE
    serializer_class = CountryOutput
    queryset = Country.objects.all()
    pagination_class = None


class LanguageListApi(generics.ListAPIView):
    allowed_roles = EVERY_ROLE
    serializer_class = LanguageOutput
    queryset = Language.objects.all()
    pagination_class = None
