from django.urls import path

from himaya.registry import views

app_name = "registry"

urlpatterns = [
    path("", views.person_list, name="person-list"),
    path("register/", views.person_register, name="person-register"),
    path("register/validate/", views.person_validate, name="person-validate"),
    path("register/places/", views.place_options, name="place-options"),
    path("people/<int:pk>/", views.person_detail, name="person-detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person-edit"),
    path("people/<int:pk>/history/", views.person_history, name="person-history"),
    path("people/<int:pk>/reveal/", views.person_reveal, name="person-reveal"),
    path("people/<int:pk>/export/", views.person_export, name="person-export"),
    path("people/<int:pk>/export/pdf/", views.person_export_as_pdf, name="person-export-pdf"),
    path(
        "people/<int:pk>/consent/<slug:purpose>/withdraw/", views.consent_withdraw,
        name="consent-withdraw",
    ),
    path(
        "people/<int:pk>/consent/<slug:purpose>/record/", views.consent_record,
        name="consent-record",
    ),
    path("households/register/", views.household_register, name="household-register"),
    path("households/<int:pk>/", views.household_detail, name="household-detail"),
    path("households/<int:pk>/members/add/", views.household_member_add, name="household-member-add"),
]
