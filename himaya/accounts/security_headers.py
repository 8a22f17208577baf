"""django-csp's middleware, with the policy of an ordinary response built once per process.

django-csp builds the Content-Security-Policy header from the settings on every response
(twice: the policy and the report-only one), which cost about a twentieth of the web
side's CPU on a till's redemption (docs/decisions/0504-api-token-fast-path.md). A response
whose view changed nothing (no `@csp_update`/`@csp_replace`/`@csp_exempt`…) and whose page
used no nonce gets exactly that same text every time: it is kept, and rebuilt when the
settings object changes (tests override it). Everything else goes through django-csp.
"""

from __future__ import annotations

from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.utils import build_policy
from django.conf import settings

# What a view may set on its response to change the policy (django-csp's decorators).
_RESPONSE_CHANGES = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt",
                     "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro", "_csp_exempt_ro")


class CSPMiddleware(BaseCSPMiddleware):
    _cached: tuple[Any, Any, str, str] | None = None

    def _plain_policies(self) -> tuple[str, str] | None:
        """(policy, report-only policy) for a response that changes nothing, or None when the
        settings ask for per-path exclusions (left to django-csp)."""
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        report_only = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        if (policy or {}).get("EXCLUDE_URL_PREFIXES") or (report_only or {}).get("EXCLUDE_URL_PREFIXES"):
            return None
        cached = self._cached
        if cached is None or cached[0] is not policy or cached[1] is not report_only:
            cached = (policy, report_only, build_policy(), build_policy(report_only=True))
            self._cached = cached
        return cached[2], cached[3]

    def process_response(self, request: Any, response: Any) -> Any:
        if (settings.DEBUG or getattr(request, "_csp_nonce", None) is not None
                or any(hasattr(response, name) for name in _RESPONSE_CHANGES)):
            return super().process_response(request, response)
        policies = self._plain_policies()
        if policies is None:
            return super().process_response(request, response)
        policy, report_only = policies
        if policy and HEADER not in response:
            response[HEADER] = policy
        if report_only and HEADER_REPORT_ONLY not in response:
            response[HEADER_REPORT_ONLY] = report_only
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
