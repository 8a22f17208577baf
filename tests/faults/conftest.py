"""Transactional tests flush every table, the data migrations' catalogues with them: put them back."""

from __future__ import annotations

import pytest

from tests.faults.catalogues import ensure_data_migrations


@pytest.fixture(autouse=True)
def _catalogues(request):  # noqa: ANN001, ANN202
    if not request.node.get_closest_marker("django_db") and "world" not in request.fixturenames:
        return
    request.getfixturevalue("world")
    ensure_data_migrations()
