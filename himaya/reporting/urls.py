from django.urls import path

from himaya.reporting import views

app_name = "reporting"

urlpatterns = [
    path("", views.home, name="home"),
    path("programmes/<int:pk>/donor-report/", views.donor_report_start, name="donor-report-start"),
    path("open/figures-hxl.csv", views.open_hxl, name="open-hxl"),
    path("open/5w.xlsx", views.open_5w, name="open-5w"),
    path("open/iati/<slug:code>.xml", views.open_iati, name="open-iati"),
]
