"""Session lifetime, the second factor, and no caching of signed-in pages."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from himaya.accounts.roles import SECOND_FACTOR_ROLES
from himaya.accounts.scopes import scope_for

# Paths a user may reach before completing the second factor.
SECOND_FACTOR_EXEMPT = (
    "/accounts/two-factor/",
    "/accounts/logout/",
    "/static/",
    "/healthz",
    "/i18n/",
)


class SessionLifetimeMiddleware:
    """Ends a session after an absolute lifetime, whatever the activity (idle time-out is Django's)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and hasattr(request, "session"):
            started = request.session.get("himaya_signed_in_at")
            limit = settings.HIMAYA_SESSION_ABSOLUTE_SECONDS
            if started is not None and time.time() - started > limit:
                logout(request)
                return redirect(settings.LOGIN_URL)
        return self.get_response(request)


def needs_second_factor(request: HttpRequest) -> bool:
    if not settings.HIMAYA_REQUIRE_SECOND_FACTOR or not request.user.is_authenticated:
        return False
    # API clients using personal tokens are not session users; DRF checks those.
    if getattr(request, "auth", None) is not None:
        return False
    if request.user.is_verified():
        return False
    return scope_for(request.user).role in SECOND_FACTOR_ROLES or request.user.is_staff


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if needs_second_factor(request) and not request.path.startswith(SECOND_FACTOR_EXEMPT):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": _("Second factor required.")}, status=403)
            return redirect("accounts:two-factor")
        return self.get_response(request)


class NoStoreForSignedInMiddleware:
    """Pages seen by a signed-in user may hold personal data: never cache them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated:
            response["Cache-Control"] = "no-store, private"
        return response
