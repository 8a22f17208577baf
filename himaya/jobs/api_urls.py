from django.urls import path

from himaya.jobs import api

urlpatterns = [path("jobs/<int:pk>/", api.JobDetailApi.as_view(), name="api-job-detail")]
