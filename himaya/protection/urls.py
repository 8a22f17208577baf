from django.urls import path

from himaya.protection import views

app_name = "protection"

urlpatterns = [
    path("erasure/", views.erasure_list, name="erasure-list"),
    path("erasure/<int:pk>/", views.erasure_detail, name="erasure-detail"),
]
