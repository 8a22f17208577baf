"""Checking every row of a file, then applying it in one transaction.

`check_file` reads the file once and reports every problem (row, column, value,
reason) without writing anything. `apply_file` checks again (the registry may
have changed since), then writes every valid row inside one transaction: an
error or a killed process leaves the database as it was, and running it again
completes. What is applied is idempotent: each row has a key (its reference, its
Kobo instanceID, or a keyed digest of its data), so a file imported twice
creates nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, reset_queries, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from himaya.intake import registry_adapter
from himaya.intake.readers import ENCODING_NAMES, Table, UnreadableFile, open_table
from himaya.intake.rejected_rows import RejectedRowsWriter
from himaya.intake.row_cleaning import ColumnMap, References, cell_text, clean_row, map_columns
from himaya.intake.schema import COLUMN_BY_KEY
from himaya.organisations.models import Organisation
from himaya.registry.models import Relationship

BATCH = 1000
# Rows written together. Larger than the checking batch: each write inserts its search keys
# into an index that spans the whole registry, touching most of its pages whatever the
# number of rows, so fewer, larger writes cost less (bench/import_people.py). Bounded: memory
# stays flat.
WRITE_BATCH = 5000
# The problems kept for the page; every rejected row is in the rejected-rows file anyway.
MAX_LISTED_PROBLEMS = 10_000
ProgressFn = Callable[[int, int, str], None]


def _no_progress(done: int, total: int, stage: str = "") -> None:
    return None


@dataclass
class Problem:
    row: int
    column: str
    value: str
    reason: str


@dataclass
class Report:
    kind: str = ""
    encoding: str = ""
    rows: int = 0
    valid: int = 0
    rejected: int = 0
    duplicates: int = 0
    unchanged: int = 0
    households: int = 0
    problem_count: int = 0
    unknown_columns: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    file_error: str = ""
    problems: list[Problem] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        """Nothing can be applied at all: an unreadable file, or one without the required columns."""
        return bool(self.file_error)

    @property
    def clean(self) -> bool:
        return not self.file_error and self.problem_count == 0

    def add(self, row: int, column: str, value: Any, reason: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(Problem(row, column, cell_text(value)[:200], reason))

    def counts(self) -> dict[str, Any]:
        """Counts only, never values: what may go into a job's result."""
        return {"rows": self.rows, "valid": self.valid, "rejected": self.rejected,
                "duplicates": self.duplicates, "unchanged": self.unchanged,
                "households": self.households, "problems": self.problem_count,
                "unknown_columns": len(self.unknown_columns), "refused": self.refused}

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Report:
        problems = [Problem(**p) for p in data.get("problems", [])]
        return cls(**{**data, "problems": problems})


@dataclass
class _Household:
    rows: list[tuple[int, str, str]] = field(default_factory=list)  # (row, row key, relationship)


def _key_hash(text: str) -> int:
    # 8 bytes per row instead of the key itself: memory stays flat as files grow.
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


class _Checker:
    """One pass over a file: every row cleaned, keyed, compared with the file and the registry."""

    def __init__(self, table: Table, organisation: Organisation, report: Report, today: dt.date) -> None:
        self.table, self.organisation, self.report, self.today = table, organisation, report, today
        self.columns: ColumnMap = map_columns(table.headers)
        self.refs = References()
        self.seen: dict[int, tuple[int, int]] = {}
        self.households: dict[str, _Household] = {}
        self.invalid_rows: set[int] = set()

    def header_problems(self) -> None:
        report, columns = self.report, self.columns
        report.kind = self.table.kind
        report.encoding = ENCODING_NAMES.get(self.table.encoding, self.table.encoding)
        report.unknown_columns = list(columns.unknown)
        report.missing_columns = [columns.header(k) for k in columns.missing if k not in columns.missing_required]
        for header in columns.duplicated:
            report.add(0, header, "", _("This column appears twice; remove one of them."))
        if columns.missing_required or columns.duplicated:
            names = ", ".join(columns.header(k) for k in columns.missing_required)
            report.file_error = (
                _("Required columns are missing: %(names)s. Use the template's headers.") % {"names": names}
                if names else _("Some columns appear twice.")
            )

    def rows(self, progress: ProgressFn, stage: str) -> Iterator[Any]:
        """Every row, cleaned and checked, in file order, in batches checked against the registry."""
        total = self.table.total or 0
        batch: list[Any] = []
        for number, values in self.table.rows:
            if not any(v not in (None, "") for v in values):
                continue  # blank lines between rows are not rows
            self.report.rows += 1
            batch.append(clean_row(number, values, self.columns, self.refs, today=self.today,
                                   kind=self.table.kind))
            if len(batch) >= BATCH:
                yield from self._checked(batch)
                batch = []
                progress(self.report.rows, max(total, self.report.rows), stage)
        yield from self._checked(batch)
        progress(self.report.rows, self.report.rows, stage)

    def _checked(self, batch: list[Any]) -> Iterator[Any]:
        stored = registry_adapter.existing_people(
            self.organisation, [external_id_of(row.key) for row in batch if row.key])
        key_column = "external_id" if "external_id" in self.columns.positions else "given_name"
        for row in batch:
            if row.key:
                key, content = _key_hash(row.key), _key_hash(row.content)
                first = self.seen.get(key)
                if first is not None:
                    if first[1] == content:
                        self.report.duplicates += 1
                        row.problems.append((key_column, _(
                            "Same person as row %(row)d: a duplicated row.") % {"row": first[0]}))
                    else:
                        row.problems.append((key_column, _(
                            "This reference is already used by row %(row)d for someone else.")
                            % {"row": first[0]}))
                else:
                    self.seen[key] = (row.number, content)
                    previous = stored.get(external_id_of(row.key))
                    if previous is not None:
                        if previous == row.content:
                            row.unchanged = True
                        else:
                            row.problems.append((key_column, _(
                                "This reference was imported before with other data. Correct the "
                                "person in the registry, or give a new reference.")))
            if row.household:
                self.households.setdefault(row.household, _Household()).rows.append(
                    (row.number, row.key, row.relationship))
            yield row

    def household_problems(self) -> list[tuple[int, str]]:
        """Households must have exactly one head and only valid members; found after the last row."""
        found: list[tuple[int, str]] = []
        for reference, household in self.households.items():
            heads = [r for r in household.rows if r[2] == Relationship.HEAD]
            reason = ""
            if len(heads) != 1:
                reason = _("Household “%(ref)s” has %(count)d heads; it needs exactly one.") % {
                    "ref": reference, "count": len(heads)}
            elif any(r[0] in self.invalid_rows for r in household.rows):
                bad = next(r[0] for r in household.rows if r[0] in self.invalid_rows)
                reason = _("Household “%(ref)s” is kept whole: its member in row %(row)d has a problem.") % {
                    "ref": reference, "row": bad}
            if reason:
                found += [(r[0], reason) for r in household.rows]
        return found


def external_id_of(key: str) -> str:
    """What is stored on the person for a row key: the user's reference, or the data digest."""
    if key.startswith("ref:"):
        return key[4:]
    return "import:" + key[5:]


def _row_value(row: Any, columns: ColumnMap, column: str) -> Any:
    position = columns.positions.get(column)
    return row.values[position] if position is not None and position < len(row.values) else ""


def check_file(path: Path, filename: str, organisation: Organisation, *,
               progress: ProgressFn = _no_progress, today: dt.date | None = None) -> Report:
    """Read the whole file and report every problem; writes nothing."""
    return _check(path, filename, organisation, progress, today or timezone.localdate())[0]


def _check(path: Path, filename: str, organisation: Organisation, progress: ProgressFn,
           today: dt.date) -> tuple[Report, set[int], dict[int, str]]:
    report = Report()
    checker: _Checker | None = None
    try:
        with open_table(path, filename) as table:
            checker = _Checker(table, organisation, report, today)
            checker.header_problems()
            if report.refused:
                return report, set(), {}
            for row in checker.rows(progress, _("Checking rows")):
                _account(report, checker, row)
            if report.rows == 0:
                report.file_error = _("The file has no rows to import under its header.")
                return report, set(), {}
            household_reasons = _finish(report, checker)
    except UnreadableFile as error:
        report.file_error = str(error)
        return report, set(), {}
    return report, checker.invalid_rows, household_reasons


def _account(report: Report, checker: _Checker, row: Any) -> None:
    for column, reason in row.problems:
        report.add(row.number, _header(checker.columns, column), _row_value(row, checker.columns, column),
                   reason)
    if row.problems:
        report.rejected += 1
        checker.invalid_rows.add(row.number)
    elif row.unchanged:
        report.unchanged += 1
    else:
        report.valid += 1


def _header(columns: ColumnMap, column: str) -> str:
    return columns.header(column) if column in COLUMN_BY_KEY else column


def _finish(report: Report, checker: _Checker) -> dict[int, str]:
    household_rows = checker.household_problems()
    newly_invalid = {row for row, _reason in household_rows} - checker.invalid_rows
    for row, reason in household_rows:
        report.add(row, checker.columns.header("household"), "", reason)
    checker.invalid_rows |= newly_invalid
    report.rejected += len(newly_invalid)
    report.valid -= len(newly_invalid)  # they were counted valid (or unchanged) row by row
    report.households = sum(1 for h in checker.households.values()
                            if not any(r[0] in checker.invalid_rows for r in h.rows))
    report.problems.sort(key=lambda p: p.row)
    return dict(household_rows)


@dataclass
class Outcome:
    report: Report
    applied: bool
    created: int = 0
    households_created: int = 0
    rejected_file: Path | None = None


class _Refused(Exception):
    """Raised inside the transaction to roll it back: the import is refused, nothing stays."""


def apply_file(path: Path, filename: str, organisation: Organisation, *, actor: Any, mode: str,
               progress: ProgressFn = _no_progress, rejected_path: Path | None = None,
               reason: str = "", today: dt.date | None = None) -> Outcome:
    """Check and apply in one pass: all rows or nothing (`mode="all"`), or the valid rows (`"valid_rows"`).

    Everything happens inside one transaction: rows are checked as they are read and
    written in batches; if the import is refused in the end (a problem in "all" mode,
    an unreadable file) or anything fails, the transaction is rolled back and nothing
    stays. In "valid_rows" mode the rejected rows, with their problems, are written
    to `rejected_path` (an XLSX to correct and import again).
    """
    today = today or timezone.localdate()
    report = Report()
    counts = {"created": 0, "households": 0}
    # Progress written inside the transaction would be seen only at its end: say what happens now.
    progress(0, 0, _("Checking and writing to the registry"))
    writer = RejectedRowsWriter(rejected_path) if (rejected_path and mode != "all") else None
    _roomy_cache()
    try:
        with transaction.atomic():
            _apply_in_transaction(path, filename, organisation, actor, mode, reason, today, report, counts,
                                  writer)
            if writer is not None:
                # Complete before the rows are committed: a full disk here rolls the import back,
                # so that running it again later imports each row once.
                writer.close()
    except _Refused:
        return Outcome(report, applied=False)
    except UnreadableFile as error:
        report.file_error = str(error)
        return Outcome(report, applied=False)
    finally:
        if writer is not None:
            writer.close()
            if not writer.count and rejected_path is not None:
                rejected_path.unlink(missing_ok=True)
    progress(report.rows, report.rows, _("Done"))
    return Outcome(report, applied=True, created=counts["created"], households_created=counts["households"],
                   rejected_file=rejected_path if writer is not None and writer.count else None)


# SQLite's page cache for an import's connection: 64 MB, not the default 2 MB. The search-key
# indexes of 100,000 people are ten times that size, and with 2 MB every insert read its
# index pages again. A fixed size: memory still does not grow with the file.
SQLITE_CACHE_KB = 65536


def _roomy_cache() -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KB}")


def _apply_in_transaction(path: Path, filename: str, organisation: Organisation, actor: Any, mode: str,
                          reason: str, today: dt.date, report: Report, counts: dict[str, int],
                          writer: RejectedRowsWriter | None) -> None:
    with open_table(path, filename) as table:
        checker = _Checker(table, organisation, report, today)
        checker.header_problems()
        if report.refused:
            raise _Refused
        if writer is not None:
            writer.start(table.headers)
        members: dict[str, int] = {}
        pending: list[Any] = []
        # Rows of households wait for the last row: a household is applied whole or not at all.
        held: list[Any] = []
        for row in checker.rows(_no_progress, ""):
            _account(report, checker, row)
            if row.problems:
                if writer is not None:
                    writer.add(row.values, _reasons(checker.columns, row, {}))
                continue
            if mode == "all" and report.problem_count:
                continue  # refused in the end anyway: check the rest, write nothing more
            if row.household:
                held.append(row)
                continue
            pending.append(row)
            if len(pending) >= WRITE_BATCH:
                counts["created"] += _write(pending, organisation, actor, reason, members)
                pending = []
        if report.rows == 0:
            report.file_error = _("The file has no rows to import under its header.")
            raise _Refused
        household_reasons = _finish(report, checker)
        for row in held:
            if row.number in household_reasons:
                if writer is not None:
                    writer.add(row.values, _reasons(checker.columns, row, household_reasons))
            else:
                pending.append(row)
        if mode == "all" and not report.clean:
            raise _Refused
        counts["created"] += _write(pending, organisation, actor, reason, members)
        for reference, household in checker.households.items():
            if any(r[0] in checker.invalid_rows for r in household.rows):
                continue
            counts["households"] += registry_adapter.household_register_for_import(
                actor=actor, organisation=organisation, external_id=f"import:{reference}"[:100],
                members=[(members[external_id_of(r[1])], r[2]) for r in household.rows],
            )


def _reasons(columns: ColumnMap, row: Any, household_reasons: dict[int, str]) -> str:
    reasons = [f"{_header(columns, column)}: {reason}" for column, reason in row.problems]
    if row.number in household_reasons:
        reasons.append(f"{columns.header('household')}: {household_reasons[row.number]}")
    return "\n".join(reasons)


def _write(pending: list[Any], organisation: Organisation, actor: Any, reason: str,
           members: dict[str, int]) -> int:
    """Write a batch of valid rows; returns how many people were created (the others existed)."""
    if not pending:
        return 0
    items = [(external_id_of(row.key), row.data, row.content) for row in pending]
    written = registry_adapter.people_register_batch(
        actor=actor, organisation=organisation, items=items, reason=reason,
    )
    # With DEBUG on (development), Django keeps the text of each query: bulk inserts of a
    # thousand encrypted rows would make memory grow with the file.
    reset_queries()
    for row, (external_id, _data, _digest) in zip(pending, items, strict=True):
        if row.household:
            members[external_id] = written[external_id]
    return sum(not row.unchanged for row in pending)
