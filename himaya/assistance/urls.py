from django.urls import path

from himaya.assistance import views

app_name = "assistance"

urlpatterns = [
    path("", views.home, name="home"),
    path("deliveries/", views.delivery_list, name="delivery-list"),
    path("deliveries/new/", views.delivery_new, name="delivery-new"),
    path("overrides/", views.override_list, name="override-list"),
    path("distributions/", views.distribution_list, name="distribution-list"),
    path("distributions/new/", views.distribution_new, name="distribution-new"),
    path("distributions/<int:pk>/", views.distribution_detail, name="distribution-detail"),
    path("distributions/<int:pk>/move/", views.distribution_move, name="distribution-move"),
    path("distributions/<int:pk>/targets/", views.distribution_targets, name="distribution-targets"),
    path("distributions/<int:pk>/check-in/", views.distribution_check_in, name="distribution-check-in"),
    path("distributions/<int:pk>/check-in/record/", views.distribution_check_in_record,
         name="distribution-check-in-record"),
    path("distributions/<int:pk>/xlsform/", views.distribution_xlsform, name="distribution-xlsform"),
    path("distributions/<int:pk>/kobo-import/", views.distribution_kobo_import, name="distribution-kobo-import"),
    path("stock/", views.stock_overview, name="stock"),
    path("stock/warehouses/new/", views.warehouse_new, name="warehouse-new"),
    path("stock/new/", views.stock_movement_new, name="stock-movement-new"),
    path("referrals/", views.referral_list, name="referral-list"),
    path("referrals/new/", views.referral_new, name="referral-new"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral-detail"),
    path("referrals/<int:pk>/move/", views.referral_move, name="referral-move"),
    path("referrals/<int:pk>/share/", views.referral_share, name="referral-share"),
    path("referrals/<int:pk>/proof/", views.referral_proof_upload, name="referral-proof-upload"),
    path("referrals/proofs/<int:pk>/", views.referral_proof_download, name="referral-proof-download"),
    path("people/<int:person_pk>/panel/", views.person_panel, name="person-panel"),
    path("households/<int:household_pk>/panel/", views.household_panel, name="household-panel"),
]
