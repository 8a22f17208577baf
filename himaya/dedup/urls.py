from django.urls import path

from himaya.dedup import views

app_name = "dedup"

urlpatterns = [
    path("", views.review_queue, name="review-queue"),
    path("pairs/<int:pk>/", views.pair_detail, name="pair-detail"),
    path("pairs/<int:pk>/decide/", views.pair_decide, name="pair-decide"),
    path("merges/", views.merge_list, name="merge-list"),
    path("merges/<int:pk>/undo/", views.merge_undo, name="merge-undo"),
    path("runs/", views.run_list, name="run-list"),
    path("runs/<int:pk>/", views.run_detail, name="run-detail"),
    path("runs/<int:pk>/merge-strong/", views.run_merge_strong, name="run-merge-strong"),
    path("alerts/", views.alert_list, name="alert-list"),
    path("thresholds/", views.thresholds, name="thresholds"),
    path("names/", views.name_list, name="name-list"),
    path("names/<int:pk>/remove/", views.name_remove, name="name-remove"),
    path("names/export.csv", views.name_export, name="name-export"),
    path("registration-check/", views.registration_check_view, name="registration-check"),
    path("people/<int:pk>/panel/", views.person_panel, name="person-panel"),
]
