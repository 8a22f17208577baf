from django.urls import path

from himaya.assistance import api

urlpatterns = [
    path("assistance/deliveries/", api.DeliveryListApi.as_view(), name="api-assistance-delivery-list"),
    path("assistance/deliveries/sync/", api.DeliverySyncApi.as_view(), name="api-assistance-delivery-sync"),
    path("assistance/distributions/<int:pk>/kobo-import/", api.DistributionKoboImportApi.as_view(),
         name="api-assistance-distribution-kobo-import"),
    path("assistance/referrals/", api.ReferralListApi.as_view(), name="api-assistance-referral-list"),
]
