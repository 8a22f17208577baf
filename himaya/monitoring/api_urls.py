from django.urls import path

from himaya.monitoring import api

urlpatterns = [
    path("monitoring/programmes/<int:pk>/results/", api.ProgrammeResultsApi.as_view(),
         name="api-monitoring-programme-results"),
]
