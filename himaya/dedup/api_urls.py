from django.urls import path

from himaya.dedup import api

urlpatterns = [
    path("dedup/registration-check/", api.RegistrationCheckApi.as_view(),
         name="api-dedup-registration-check"),
    path("dedup/pairs/", api.PairListApi.as_view(), name="api-dedup-pair-list"),
    path("dedup/pairs/<int:pk>/", api.PairDetailApi.as_view(), name="api-dedup-pair-detail"),
    path("dedup/pairs/<int:pk>/decide/", api.PairDecideApi.as_view(), name="api-dedup-pair-decide"),
    path("dedup/runs/", api.RunListApi.as_view(), name="api-dedup-run-list"),
    path("dedup/runs/<int:pk>/", api.RunDetailApi.as_view(), name="api-dedup-run-detail"),
    path("dedup/runs/<int:pk>/merge-strong/", api.RunMergeStrongApi.as_view(),
         name="api-dedup-run-merge-strong"),
    path("dedup/names/", api.NameEquivalentListApi.as_view(), name="api-dedup-name-list"),
    path("dedup/names/<int:pk>/", api.NameEquivalentDetailApi.as_view(),
         name="api-dedup-name-detail"),
]
