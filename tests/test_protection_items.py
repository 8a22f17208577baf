"""docs/protection.md names, for each PROTECTION item, the tests that prove it: they must exist."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "protection.md"
OPEN: set[str] = set()


def _rows():
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| (P\d+) \| [^|]+ \| ([^|]+) \|", line)
        if match:
            yield match.group(1), [t.strip() for t in match.group(2).split(",") if "::" in t]


def _defined(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def test_every_item_is_in_the_table():
    assert [item for item, _ in _rows()] == [f"P{n}" for n in range(1, 23)]


def test_every_named_test_exists():
    for item, tests in _rows():
        for reference in tests:
            file, name = reference.split("::")
            path = ROOT / file
            assert path.exists(), f"{item}: {file} does not exist"
            assert name in _defined(path), f"{item}: {reference} does not exist"


def test_items_without_a_test_are_exactly_the_open_ones():
    without = {item for item, tests in _rows() if not tests}
    assert without == OPEN
