from django.urls import path

from himaya.reference import api

urlpatterns = [
    path("reference/regions/", api.RegionListApi.as_view(), name="api-region-list"),
    path("reference/provinces/", api.ProvinceListApi.as_view(), name="api-province-list"),
    path("reference/communes/", api.CommuneListApi.as_view(), name="api-commune-list"),
    path("reference/countries/", api.CountryListApi.as_view(), name="api-country-list"),
    path("reference/languages/", api.LanguageListApi.as_view(), name="api-language-list"),
]
