"""API calls made with a personal token take a shorter middleware chain.

A till calls `POST /api/v1/vouchers/redeem/` all day long with `Authorization: Bearer`.
Sessions, the CSRF cookie, django-otp, the session lifetime, the second-factor redirect,
messages, htmx and axes exist for people signed in through a browser: a token call
authenticates with its token (DRF, `PersonalTokenAuthentication`, inside the view), is
never ambient (a browser does not add the header by itself, so CSRF does not apply) and
has no session to load, age, save or lock out. Running them anyway cost about a quarter
of the web side's CPU per redemption (docs/decisions/0504-api-token-fast-path.md).

`TokenCallRouter`, first in `MIDDLEWARE`, sends such a call through a second chain built
from `MIDDLEWARE` without `TOKEN_CALL_SKIPS`: the security headers, the language, CSP,
X-Frame-Options, row-level security and no-store still run, in the same order, with
their own hooks. Every other request takes the full chain, unchanged. `MIDDLEWARE` keeps
listing everything, so Django's and the packages' checks (`check --deploy`) still see it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

API_PREFIX = "/api/"
# The keywords PersonalTokenAuthentication accepts, any case, followed by the token.
TOKEN_KEYWORDS = ("bearer ", "token ")
ROUTER = f"{__name__}.TokenCallRouter"


def is_token_call(request: HttpRequest) -> bool:
    """A call to the API that carries a personal token (valid or not: DRF decides)."""
    header = request.META.get("HTTP_AUTHORIZATION")
    return bool(header) and request.path_info.startswith(API_PREFIX) and header[:7].lower().startswith(TOKEN_KEYWORDS)


def token_call_middleware() -> list[str]:
    skipped = set(settings.TOKEN_CALL_SKIPS)
    return [path for path in settings.MIDDLEWARE if path != ROUTER and path not in skipped]


class TokenCallHandler(BaseHandler):
    """Django's own handler (URL resolution, view hooks, exception responses), loaded with
    the shorter list; only its middleware chain is used, from inside the main one."""

    def load_middleware(self, is_async: bool = False) -> None:  # noqa: ARG002 — WSGI only
        # BaseHandler.load_middleware for a sync server, over another list.
        self._view_middleware: list[Callable[..., Any]] = []
        self._template_response_middleware: list[Callable[..., Any]] = []
        self._exception_middleware: list[Callable[..., Any]] = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(token_call_middleware()):
            try:
                instance = import_string(path)(handler)
            except MiddlewareNotUsed:
                continue
            if hasattr(instance, "process_view"):
                self._view_middleware.insert(0, instance.process_view)
            if hasattr(instance, "process_template_response"):
                self._template_response_middleware.append(instance.process_template_response)
            if hasattr(instance, "process_exception"):
                self._exception_middleware.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        self._middleware_chain = handler


class TokenCallRouter:
    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.token_handler = TokenCallHandler()
        self.token_handler.load_middleware()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_token_call(request):
            # What AuthenticationMiddleware gives a request without a session; DRF puts
            # the token's user here once it has authenticated the token.
            request.user = AnonymousUser()
            request.himaya_token_call = True
            return self.token_handler._middleware_chain(request)
        return self.get_response(request)
