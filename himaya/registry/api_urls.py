from django.urls import path

from himaya.registry import api

urlpatterns = [
    path("people/", api.PersonListApi.as_view(), name="api-person-list"),
    path("people/search/", api.PersonSearchApi.as_view(), name="api-person-search"),
    path("people/<int:pk>/", api.PersonDetailApi.as_view(), name="api-person-detail"),
    path("households/", api.HouseholdListApi.as_view(), name="api-household-list"),
    path("households/<int:pk>/", api.HouseholdDetailApi.as_view(), name="api-household-detail"),
]
