from django.urls import path

from himaya.intake import views

app_name = "intake"

urlpatterns = [
    path("", views.import_list, name="import-list"),
    path("<int:pk>/", views.import_detail, name="import-detail"),
    path("<int:pk>/apply/", views.import_apply, name="import-apply"),
    path("template/people.xlsx", views.template_xlsx, name="template-xlsx"),
    path("template/people-xlsform.xlsx", views.template_xlsform, name="template-xlsform"),
]
