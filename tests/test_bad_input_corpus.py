"""The bad-input corpus: every file of tests/data/bad/ with the outcome it must produce.

`tests/data/bad/expected.toml` says, for each file, where it goes (the import pipeline or an
API route) and what must come out; a file without an entry fails here. When a bug is found
on some input, its file goes into the folder with its expected outcome (docs/protection.md).
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from himaya.accounts.services import token_create
from himaya.intake import pipeline
from himaya.registry.models import Person
from tests.faults.catalogues import ensure_data_migrations
from tests.vouchers.factories import contract

BAD = Path(__file__).parent / "data" / "bad"
EXPECTED: dict[str, dict[str, Any]] = tomllib.loads((BAD / "expected.toml").read_text(encoding="utf-8"))
TOOLS = {"expected.toml", "make_bad_files.py"}
TODAY = dt.date(2026, 11, 29)

pytestmark = pytest.mark.django_db


def test_every_file_has_its_expected_outcome_and_every_entry_its_file():
    files = {p.name for p in BAD.iterdir() if p.is_file() and p.name not in TOOLS}
    assert sorted(files - set(EXPECTED)) == [], "files without an entry in expected.toml"
    assert sorted(set(EXPECTED) - files) == [], "entries in expected.toml without their file"
    assert all(entry.get("why") and entry.get("target") in ("import", "api") for entry in EXPECTED.values())


def check_import(path: Path, expected: dict[str, Any], world: Any, tmp_path: Path) -> None:
    outcome = pipeline.apply_file(
        path, path.name, world.partner_a, actor=world.users["coord_a"], mode=expected.get("mode", "all"),
        rejected_path=tmp_path / "rejected.xlsx", today=TODAY)
    report = outcome.report
    problems = [f"{p.row}: {p.reason}" for p in report.problems]
    if expected["outcome"] == "refused":
        assert not outcome.applied, problems
        assert Person.objects.count() == 0  # a refused file writes nothing
        text = report.file_error or " ".join(problems)
        assert expected["message"] in text, text
        return
    assert outcome.applied, report.file_error or problems
    assert outcome.created == expected["created"] == Person.objects.count(), problems
    if "rejected" in expected:
        assert report.rejected == expected["rejected"]
    assert sorted({p.row for p in report.problems}) == expected.get("problem_rows", []), problems
    if "message" in expected:
        assert any(expected["message"] in p.reason for p in report.problems), problems


def check_api(path: Path, expected: dict[str, Any], world: Any) -> None:
    request = json.loads(path.read_text(encoding="utf-8"))
    if request["role"] == "vendor":
        contract(world.vendor)
    raw = token_create(actor=world.users[request["role"]], name="corpus").raw
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE="fr",
                    raise_request_exception=False)
    headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in request.get("headers", {}).items()}
    response = getattr(client, request["method"].lower())(
        request["path"], request["body"], content_type="application/json", **headers)
    assert response.status_code == expected["status"], response.content[:500]
    assert expected["message"] in response.content.decode(), response.content[:500]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_input_gives_its_expected_outcome(name: str, world: Any, tmp_path: Path, settings: Any) -> None:
    ensure_data_migrations()  # a transactional test before may have flushed them
    expected = EXPECTED[name]
    if "max_bytes" in expected:
        settings.HIMAYA_IMPORT_MAX_BYTES = expected["max_bytes"]
    with translation.override("fr"):
        if expected["target"] == "import":
            check_import(BAD / name, expected, world, tmp_path)
        else:
            check_api(BAD / name, expected, world)
