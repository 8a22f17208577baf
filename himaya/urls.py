from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from himaya.accounts.access import public
from himaya.health import healthz

admin.site.site_header = "Himaya"
admin.site.site_title = "Himaya"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("himaya.accounts.language_urls")),
    path("admin/", admin.site.urls),
    path("api/v1/schema/", public(SpectacularAPIView.as_view()), name="api-schema"),
    path(
        "api/v1/docs/",
        public(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path("api/v1/", include("himaya.api_urls")),
    path("accounts/", include("himaya.accounts.urls")),
    path("organisations/", include("himaya.organisations.urls")),
    path("reference/", include("himaya.reference.urls")),
    path("jobs/", include("himaya.jobs.urls")),
    path("registry/", include("himaya.registry.urls")),
    path("assistance/", include("himaya.assistance.urls")),
    path("vouchers/", include("himaya.vouchers.urls")),
    path("intake/", include("himaya.intake.urls")),
    path("capacity/", include("himaya.capacity.urls")),
    path("monitoring/", include("himaya.monitoring.urls")),
    path("dedup/", include("himaya.dedup.urls")),
    path("reporting/", include("himaya.reporting.urls")),
    path("protection/", include("himaya.protection.urls")),
    path("", include("himaya.portal.urls")),
]
