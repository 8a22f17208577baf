from django.urls import path

from himaya.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("who-we-are/", views.about, name="about"),
    path("our-work/", views.work, name="work"),
    path("data/", views.data, name="data"),
    path("news/", views.article_list, name="article-list"),
    path("news/<slug:slug>/", views.article_detail, name="article-detail"),
]
