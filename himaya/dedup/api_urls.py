from django.urls import path

from himaya.dedup import api

urlpatterns = [
    path("dedup/registration-check/", api.RegistrationCheckApi.as_view(),
         name="api-dedup-registration-check"),
]
