from django.urls import path

from himaya.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.home, name="home"),
    path("programmes/<int:pk>/", views.programme, name="programme"),
    path("programmes/<int:pk>/refresh/", views.refresh, name="refresh"),
    path("programmes/<int:pk>/indicators/new/", views.indicator_create, name="indicator-create"),
    path("programmes/<int:pk>/periods/new/", views.period_create, name="period-create"),
    path("programmes/<int:pk>/quality/", views.data_quality, name="quality"),
    path("programmes/<int:pk>/narrative/", views.narrative, name="narrative"),
    path("indicators/<int:pk>/", views.indicator, name="indicator"),
    path("indicators/<int:pk>/edit/", views.indicator_edit, name="indicator-edit"),
    path("indicators/<int:pk>/value/", views.manual_value, name="manual-value"),
]
