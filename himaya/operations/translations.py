"""Compiling the interface's translations with Babel, so that installing needs no gettext."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import himaya


def catalogue_files() -> list[Path]:
    return sorted(Path(himaya.__file__).parent.glob("**/locale/*/LC_MESSAGES/*.po"))


def compile_all() -> list[Path]:
    """Write a .mo beside every .po that is newer than it; fuzzy entries are left out."""
    written = []
    for po_path in catalogue_files():
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalogue = read_po(handle, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as handle:
            write_mo(handle, catalogue, use_fuzzy=False)
        written.append(mo_path)
    return written
