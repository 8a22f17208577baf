from django.urls import path

from himaya.vouchers import vendor_views, views

app_name = "vouchers"

urlpatterns = [
    path("", views.voucher_list, name="voucher-list"),
    path("issue/", views.voucher_issue, name="voucher-issue"),
    path("cards/", views.voucher_cards, name="voucher-cards"),
    path("<int:pk>/", views.voucher_detail, name="voucher-detail"),
    path("<int:pk>/cancel/", views.voucher_cancel, name="voucher-cancel"),
    path("<int:pk>/reissue/", views.voucher_reissue, name="voucher-reissue"),
    path("person/<int:pk>/panel/", views.person_panel, name="person-panel"),
    path("redeem/", views.redeem, name="redeem"),
    path("receipts/", views.vendor_redemptions, name="vendor-redemptions"),
    path("receipts/<int:pk>/", views.receipt, name="receipt"),
    path("statements/", views.statement_list, name="statement-list"),
    path("statements/<int:pk>/", views.statement_detail, name="statement-detail"),
    path("statements/<int:pk>/pdf/", views.statement_pdf, name="statement-pdf"),
    path("statements/<int:pk>/xlsx/", views.statement_xlsx, name="statement-xlsx"),
    path("statements/<int:pk>/paid/", views.statement_paid, name="statement-paid"),
    path("programme/", views.programme, name="programme"),
    path("household/<int:pk>/panel/", views.household_panel, name="household-panel"),
    path("vendors/", vendor_views.vendor_list, name="vendor-list"),
    path("vendors/new/", vendor_views.vendor_new, name="vendor-new"),
    path("vendors/<int:pk>/", vendor_views.vendor_detail, name="vendor-detail"),
    path("vendors/<int:pk>/edit/", vendor_views.vendor_edit, name="vendor-edit"),
    path("vendors/<int:pk>/users/invite/", vendor_views.vendor_user_invite, name="vendor-user-invite"),
    path("vendors/<int:pk>/tokens/new/", vendor_views.vendor_token_new, name="vendor-token-new"),
    path("vendors/<int:pk>/tokens/<int:token_pk>/revoke/", vendor_views.vendor_token_revoke,
         name="vendor-token-revoke"),
]
