from django.urls import path

from himaya.accounts import api

urlpatterns = [path("me/", api.MeApi.as_view(), name="api-me")]
