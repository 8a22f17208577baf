from __future__ import annotations

from pathlib import Path

import pytest

BAD = Path(__file__).resolve().parent.parent / "data" / "bad"


@pytest.fixture
def bad_file():
    def path(name: str) -> Path:
        found = BAD / name
        assert found.exists(), f"{name}: run tests/data/bad/make_bad_files.py"
        return found

    return path


@pytest.fixture(autouse=True)
def _french(settings):
    # Reports are in the user's language; the tests read them in French unless they say otherwise.
    from django.utils import translation

    with translation.override("fr"):
        yield
