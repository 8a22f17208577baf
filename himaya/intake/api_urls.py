from django.urls import path

from himaya.intake import api

urlpatterns = [
    path("imports/", api.ImportListApi.as_view(), name="api-import-list"),
    path("imports/<int:pk>/", api.ImportDetailApi.as_view(), name="api-import-detail"),
    path("imports/<int:pk>/apply/", api.ImportApplyApi.as_view(), name="api-import-apply"),
]
