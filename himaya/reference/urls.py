from django.urls import path

from himaya.reference import views

app_name = "reference"

urlpatterns = [
    path("provinces/options/", views.province_options, name="province-options"),
    path("communes/options/", views.commune_options, name="commune-options"),
]
