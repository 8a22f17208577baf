"""DRF authentication with personal API tokens (`Authorization: Bearer hmy_...`).

A token that authenticated is remembered for a few seconds with its user and scope
(`token_cache`), so a till's calls cost no query to know who is calling."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from himaya.accounts import token_cache
from himaya.accounts.models import ApiToken, token_digest
from himaya.accounts.scopes import scope_for


class PersonalTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request: Any) -> tuple[Any, ApiToken] | None:
        # Already authenticated from this very request's header by the row-level security
        # middleware (which must know the user before the view): not twice.
        django_request = getattr(request, "_request", request)
        found = getattr(django_request, "himaya_token_auth", None)
        if found is not None:
            return found
        found = self._authenticate(request)
        if found is not None:
            django_request.himaya_token_auth = found
        return found

    def _authenticate(self, request: Any) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="ignore").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        raw = header[1].decode(errors="ignore")
        digest = token_digest(raw)
        cached = token_cache.get(digest)
        if cached is not None:
            token, user = cached
            # Expiry and revocation read from the token itself, on every call.
            if not token.is_active:
                raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
            return user, token
        token = ApiToken.objects.select_related("user").filter(digest=digest).first()
        if token is None or not token.is_active or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        now = timezone.now()
        # Touch at most once a minute so that busy clients do not write on every call.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        user = token.user
        scope_for(user)  # computed once here, kept with the user for the next calls
        token_cache.put(digest, token, user)
        return user, token

    def authenticate_header(self, request: Any) -> str:
        return "Bearer"


class PersonalTokenScheme(OpenApiAuthenticationExtension):
    """Describes personal tokens in the OpenAPI schema."""

    target_class = "himaya.accounts.api_auth.PersonalTokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "hmy_<prefix>_<secret>"}
