"""All API routes under /api/v1/, each app contributing its own."""

from django.urls import include, path

urlpatterns = [
    path("", include("himaya.reference.api_urls")),
    path("", include("himaya.organisations.api_urls")),
    path("", include("himaya.accounts.api_urls")),
    path("", include("himaya.jobs.api_urls")),
    path("", include("himaya.registry.api_urls")),
    path("", include("himaya.assistance.api_urls")),
    path("", include("himaya.vouchers.api_urls")),
    path("", include("himaya.intake.api_urls")),
    path("", include("himaya.capacity.api_urls")),
    path("", include("himaya.monitoring.api_urls")),
    path("", include("himaya.dedup.api_urls")),
    path("", include("himaya.reporting.api_urls")),
    path("", include("himaya.portal.api_urls")),
]
