"""Every string shipped is translated into French and Arabic, and the catalogues are current."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import himaya

ROOT = Path(himaya.__file__).parent
APPS = sorted(p.name for p in ROOT.iterdir() if (p / "apps.py").exists())
CATALOGUES = sorted(ROOT.glob("*/locale/*/LC_MESSAGES/django.po"))


def _read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle, locale=path.parent.parent.name)


@pytest.mark.parametrize("path", [p for p in CATALOGUES if p.parent.parent.name in {"fr", "ar"}],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_is_complete(path):
    catalogue = _read(path)
    missing = [m.id for m in catalogue if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    # A fuzzy header makes gettext tools skip the catalogue's metadata.
    assert not catalogue.fuzzy, "the header is still marked fuzzy"
    assert missing == [] and fuzzy == [], f"untranslated: {missing[:10]} fuzzy: {fuzzy[:10]}"


def test_every_app_with_strings_has_three_catalogues():
    for app in APPS:
        languages = {p.parent.parent.name for p in (ROOT / app).glob("locale/*/LC_MESSAGES/django.po")}
        if languages:
            assert languages == {"fr", "ar", "en"}, app


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is needed to extract")
def test_catalogues_hold_every_string_of_the_code(tmp_path):
    """Extract into a copy of the tree and compare: a new string without a catalogue entry fails."""
    copy = tmp_path / "himaya"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns("*.mo", "__pycache__", "vendor"))
    result = subprocess.run(
        [sys.executable, "-c", "from himaya.cli import main; main(['himaya', 'make-translations'])"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin", "HIMAYA_VAR_DIR": str(tmp_path / "var")},
    )
    assert result.returncode == 0, result.stderr
    for original in CATALOGUES:
        fresh = copy / original.relative_to(ROOT)
        known = {m.id for m in _read(original) if m.id}
        extracted = {m.id for m in _read(fresh) if m.id}
        assert extracted <= known, f"{original.relative_to(ROOT)}: not in the catalogue: {sorted(map(str, extracted - known))[:10]}"
