"""A short-lived, per-process memory of personal API tokens: who they are and what they reach.

A till calls the API all day long with the same token; reading the token, its user, the
membership and its regions on every call cost three or four round trips to the database
for an answer that hardly ever changes. This cache keeps, for a few seconds
(`HIMAYA_TOKEN_CACHE_SECONDS`, 5 by default, 0 turns it off), the token, its user and the
user's scope, keyed by the token's digest.

Revocation still works: any save or delete of a token, a user or a membership (and any
change of a membership's regions) empties the cache of the process that made it at
once, and every other server process forgets each entry after the time-out, so a revoked
token, a deactivated user or a changed role is refused everywhere within those seconds.
Expiry (`expires_at`) and `revoked_at` are checked on every call, from the cached token.
Only tokens that authenticated are kept, so made-up tokens cannot fill the memory.
See docs/decisions/0502-vouchers-redemption-speed.md.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

MAX_ENTRIES = 10_000

# digest → (monotonic time it was read, token, user with its scope attached)
_entries: dict[str, tuple[float, Any, Any]] = {}


def ttl() -> float:
    return float(getattr(settings, "HIMAYA_TOKEN_CACHE_SECONDS", 5))


def get(digest: str) -> tuple[Any, Any] | None:
    """The cached (token, user) for this digest, or None; the user is a fresh copy per call
    (requests must not share one mutable instance)."""
    entry = _entries.get(digest)
    if entry is None:
        return None
    read_at, token, user = entry
    if time.monotonic() - read_at >= ttl():
        _entries.pop(digest, None)
        return None
    return token, copy.copy(user)


def put(digest: str, token: Any, user: Any) -> None:
    if ttl() <= 0:
        return
    if len(_entries) >= MAX_ENTRIES:
        _entries.clear()
    _entries[digest] = (time.monotonic(), token, copy.copy(user))


def forget_all(**_kwargs: Any) -> None:
    _entries.clear()
    # Again once the change is committed: a call served in between may have read the
    # old rows back into the cache.
    transaction.on_commit(_entries.clear)


def _connect() -> None:
    from himaya.accounts.models import ApiToken, Membership, User

    for model in (ApiToken, User, Membership):
        post_save.connect(forget_all, sender=model, dispatch_uid=f"token-cache-save-{model.__name__}")
        post_delete.connect(forget_all, sender=model, dispatch_uid=f"token-cache-delete-{model.__name__}")
    m2m_changed.connect(forget_all, sender=Membership.regions.through, dispatch_uid="token-cache-regions")


_connect()
