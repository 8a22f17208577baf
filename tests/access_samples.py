"""Sample path arguments for every route that takes some, and whose object they name.

A route with path arguments and no entry here fails the access matrix: whoever adds
a route says which object it shows and which partner owns it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Sample:
    kwargs: Callable[[Any], dict[str, Any]]
    # The partner whose caseload the object belongs to ("a"), or None for shared objects.
    owner: str | None = None
    # Roles that may use the route but see a 404 for this object although not partners.
    hidden_from: frozenset[str] = frozenset()


SAMPLES: dict[str, Sample] = {
    "accounts:password-reset-confirm": Sample(lambda w: {"uidb64": "MQ", "token": "set-password"}),
    "accounts:user-set-active": Sample(lambda w: {"pk": w.users["agent_a"].pk}, owner="a"),
    "accounts:user-reset-second-factor": Sample(lambda w: {"pk": w.users["agent_a"].pk}, owner="a"),
    "accounts:token-revoke": Sample(
        lambda w: {"pk": _token_of(w.users["agent_a"]).pk},
        owner="a",
        # A token is its owner's alone: even the coordinator and the admin get a 404.
        hidden_from=frozenset({"admin", "manager", "protection", "me", "coord_a", "donor",
                               "government", "vendor"}),
    ),
    "organisations:organisation-detail": Sample(lambda w: {"pk": w.partner_a.pk}, owner="a"),
    "organisations:programme-detail": Sample(
        lambda w: {"pk": w.partner_a.agreements.first().programme_id}
    ),
    "api-organisation-detail": Sample(lambda w: {"pk": w.partner_a.pk}, owner="a"),
    "portal:article-detail": Sample(lambda w: {"slug": _article().slug}),
}


def _collect_app_samples() -> None:
    """Each app's tests declare their routes' samples in tests/<app>/samples.py."""
    import importlib
    from pathlib import Path

    for path in sorted(Path(__file__).parent.glob("*/samples.py")):
        module = importlib.import_module(f"tests.{path.parent.name}.samples")
        SAMPLES.update(module.SAMPLES)


_collect_app_samples()


def _token_of(user: Any) -> Any:
    from himaya.accounts.services import token_create

    existing = user.api_tokens.first()
    return existing or token_create(actor=user, name="sample").token


def _article() -> Any:
    import datetime as dt

    from himaya.portal.models import Article

    article, _ = Article.objects.get_or_create(
        slug="sample-news",
        defaults={"title_fr": "Nouvelle", "body_fr": "Texte", "published_on": dt.date(2022, 12, 1),
                  "is_published": True},
    )
    return article
