from django.urls import path

from himaya.capacity import api

urlpatterns = [
    path("capacity/roadmaps/", api.RoadmapListApi.as_view(), name="api-capacity-roadmap-list"),
    path("capacity/roadmaps/<int:pk>/", api.RoadmapDetailApi.as_view(),
         name="api-capacity-roadmap-detail"),
    path("capacity/actions/", api.ActionStatusApi.as_view(), name="api-capacity-action-list"),
    path("capacity/assessments/summary/", api.AssessmentSummaryApi.as_view(),
         name="api-capacity-assessment-summary"),
]
