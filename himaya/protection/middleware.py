"""Sets the row-level security setting of each request from who is asking (P4)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse

from himaya.accounts.scopes import ANONYMOUS, scope_for
from himaya.protection import rls


def _token_user(request: HttpRequest):  # noqa: ANN202
    """The user behind an API token: DRF authenticates inside the view, after middleware.

    The same authentication class, so the token is read once: it fills the per-process
    token cache that DRF's own call then answers from."""
    from rest_framework.exceptions import AuthenticationFailed

    from himaya.accounts.api_auth import PersonalTokenAuthentication

    try:
        found = PersonalTokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return False  # DRF refuses the request; nothing is visible meanwhile
    return found[0] if found else None


class RowLevelScopeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if connection.vendor == "postgresql":
            rls.set_scope(self.value_for(request))
        return self.get_response(request)

    @staticmethod
    def value_for(request: HttpRequest) -> str:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return rls.scope_value(scope_for(user))
        token_user = _token_user(request)
        if token_user is False:
            return rls.NOTHING
        if token_user is not None:
            return rls.scope_value(scope_for(token_user))
        return rls.scope_value(ANONYMOUS)
