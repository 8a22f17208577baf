from django.urls import path

from himaya.vouchers import views

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
]
