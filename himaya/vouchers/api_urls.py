from django.urls import path

from himaya.vouchers import api

urlpatterns = [
    path("vouchers/", api.VoucherListApi.as_view(), name="api-voucher-list"),
    path("vouchers/check/", api.VoucherCheckApi.as_view(), name="api-voucher-check"),
    path("vouchers/redeem/", api.VoucherRedeemApi.as_view(), name="api-voucher-redeem"),
    path("vouchers/<int:pk>/cancel/", api.VoucherCancelApi.as_view(), name="api-voucher-cancel"),
    path("vouchers/<int:pk>/reissue/", api.VoucherReissueApi.as_view(), name="api-voucher-reissue"),
    path("vouchers/statements/", api.StatementListApi.as_view(), name="api-voucher-statement-list"),
    path(
        "vouchers/statements/<int:pk>/", api.StatementDetailApi.as_view(),
        name="api-voucher-statement-detail",
    ),
    path(
        "vouchers/statements/<int:pk>/paid/", api.StatementPaidApi.as_view(),
        name="api-voucher-statement-paid",
    ),
]
