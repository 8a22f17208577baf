from django.urls import path

from himaya.capacity import views

app_name = "capacity"

urlpatterns = [
    path("", views.home, name="home"),
    path("regions/<int:pk>/", views.region_dashboard, name="region-dashboard"),
    path("associations/<int:pk>/", views.association_detail, name="association-detail"),
    path("associations/<int:pk>/profile/", views.profile_edit, name="profile-edit"),
    path("associations/<int:pk>/staff/add/", views.staff_add, name="staff-add"),
    path("associations/<int:pk>/assessments/new/", views.assessment_create,
         name="assessment-create"),
    path("associations/<int:pk>/roadmaps/new/", views.roadmap_create, name="roadmap-create"),
    path("associations/<int:pk>/sessions/new/", views.session_create, name="session-create"),
    path("assessments/", views.assessment_compare, name="assessment-compare"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment-detail"),
    path("roadmaps/<int:pk>/", views.roadmap_detail, name="roadmap-detail"),
    path("roadmaps/<int:pk>/timeline/", views.roadmap_timeline, name="roadmap-timeline"),
    path("roadmaps/<int:pk>/pdf/", views.roadmap_pdf, name="roadmap-pdf"),
    path("roadmaps/<int:pk>/transition/", views.roadmap_transition, name="roadmap-transition"),
    path("roadmaps/<int:pk>/objectives/new/", views.objective_add, name="objective-add"),
    path("objectives/<int:pk>/actions/new/", views.action_add, name="action-add"),
    path("actions/<int:pk>/", views.action_update, name="action-update"),
    path("actions/<int:pk>/evidence/", views.evidence_upload, name="evidence-upload"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence-download"),
    path("sessions/", views.session_list, name="session-list"),
    path("sessions/<int:pk>/", views.session_detail, name="session-detail"),
    path("sessions/<int:pk>/follow-ups/", views.follow_up_add, name="follow-up-add"),
    path("follow-ups/<int:pk>/promote/", views.follow_up_promote, name="follow-up-promote"),
    path("events/", views.event_list, name="event-list"),
    path("events/<int:pk>/", views.event_detail, name="event-detail"),
]
