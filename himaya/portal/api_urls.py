from django.urls import path

from himaya.portal import api

urlpatterns = [
    path("public/articles/", api.PublicArticleListApi.as_view(), name="api-public-article-list"),
]
