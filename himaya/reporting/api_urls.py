from django.urls import path

from himaya.reporting import api

urlpatterns = [
    path("public/figures", api.PublicFiguresApi.as_view(), name="api-public-figures"),
]
