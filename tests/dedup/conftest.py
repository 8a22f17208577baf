"""The seed's catalogue comes from a data migration; transactional tests elsewhere flush it."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _catalogue(request):  # noqa: ANN001, ANN202
    names = set(request.fixturenames)
    if not (names & {"db", "transactional_db", "world", "live_server"}
            or request.node.get_closest_marker("django_db")):
        return
    request.getfixturevalue("transactional_db" if "transactional_db" in names else "db")
    from tests.assistance.factories import ensure_catalogue

    ensure_catalogue()
