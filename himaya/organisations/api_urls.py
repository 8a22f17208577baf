from django.urls import path

from himaya.organisations import api

urlpatterns = [
    path("organisations/", api.OrganisationListApi.as_view(), name="api-organisation-list"),
    path(
        "organisations/<int:pk>/", api.OrganisationDetailApi.as_view(),
        name="api-organisation-detail",
    ),
    path("programmes/", api.ProgrammeListApi.as_view(), name="api-programme-list"),
    path("agreements/", api.AgreementListApi.as_view(), name="api-agreement-list"),
]
