"""Import a distribution's KoboCollect / ODK Collect check-in submissions (JSON or XLSX export).

Each submission (a row) is keyed by its `meta/instanceID` and becomes one delivery per
type of the distribution through `sync.sync_batch(source="kobo")`, the same idempotent
path as offline phones: the same file twice creates nothing (every row is *replayed*).
A row is all or nothing: if one of its deliveries is refused (a rule, consent, stock,
a client id reused with another answer), none of that row's deliveries is kept and the
row is reported with the reasons in the user's language; the other rows go on. The
whole import is one transaction, so a crash leaves nothing half-written. A submission
whose outcome is *refused* records the person's refusal on the target list.
"""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from himaya.accounts.scopes import scope_for
from himaya.assistance import sync, xlsform
from himaya.assistance.models import Delivery, Distribution, DistributionTarget
from himaya.audit.services import audit_record
from himaya.registry import codes

# Submissions can arrive after the day (phones offline): a closed distribution still takes them.
IMPORT_OPEN = frozenset({Distribution.Status.IN_PROGRESS, Distribution.Status.CLOSED})
ID_COLUMNS = ("meta/instanceID", "instanceID", "meta-instanceID", "_uuid", "KEY", "__id")
# Passes of the all-or-nothing-per-row loop: dropping a failed row can only free entitlements
# and stock for the others, so a second pass normally succeeds; the third is a safety margin.
MAX_PASSES = 3


class ImportFileError(ValueError):
    """The file itself cannot be read: nothing is imported."""


@dataclass
class RowResult:
    row: int  # the submission's position in the file, from 1
    instance_id: str
    person: str
    status: str  # created, replayed, refusal, refusal_replayed, failed
    errors: list[str] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    vouchers: list[Any] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status != "failed"


@dataclass
class ImportResult:
    distribution: Distribution
    rows: list[RowResult]

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def created(self) -> int:
        return self.count("created")

    @property
    def replayed(self) -> int:
        return self.count("replayed")

    @property
    def refusals(self) -> int:
        return self.count("refusal") + self.count("refusal_replayed")

    @property
    def failed(self) -> int:
        return self.count("failed")

    @property
    def vouchers(self) -> list[Any]:
        return [v for r in self.rows for v in r.vouchers]


def max_bytes() -> int:
    return int(getattr(settings, "HIMAYA_IMPORT_MAX_BYTES", 20 * 1024 * 1024))


# --- Reading the file ---------------------------------------------------------------------------

def flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """ODK Central nests groups (`{"meta": {"instanceID": …}}`); Kobo writes `meta/instanceID`."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}/"))
        else:
            flat[name] = value
    return flat


def read_json(content: bytes) -> list[dict[str, Any]]:
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise ImportFileError(_("The file is not valid JSON.")) from None
    if isinstance(data, dict):
        # Kobo's API export: {"count": n, "results": [...]}; ODK Central's OData: {"value": [...]}.
        data = data.get("results", data.get("value"))
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise ImportFileError(_("The JSON file must hold a list of submissions."))
    return [flatten(r) for r in data]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)


def read_xlsx(content: bytes) -> list[dict[str, Any]]:
    """The first sheet of a Kobo XLSX export ("XML values and headers"): one submission a row."""
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        raise ImportFileError(_("The file is not a readable XLSX workbook.")) from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(c).strip() if c is not None else "" for c in next(rows, ())]
        if not header or not any(h in header for h in ID_COLUMNS) or "person" not in header:
            raise ImportFileError(_("The first row must hold the column names (person, outcome, "
                                    "meta/instanceID); export with “XML values and headers”."))
        records = []
        for values in rows:
            if values is None or all(v in (None, "") for v in values):
                continue
            records.append({name: _cell(v) for name, v in zip(header, values, strict=False) if name})
        return records
    finally:
        book.close()


def read_submissions(name: str, content: bytes) -> list[dict[str, Any]]:
    """The submissions of an uploaded export, or ImportFileError saying why not."""
    if len(content) > max_bytes():
        raise ImportFileError(_("The file is too large; the limit is %(limit)s MB.")
                              % {"limit": round(max_bytes() / 1024 / 1024, 1)})
    if not content:
        raise ImportFileError(_("The file is empty."))
    if content.startswith(b"PK"):
        return read_xlsx(content)
    if name.lower().endswith((".json", ".geojson")) or content.lstrip()[:1] in (b"[", b"{"):
        return read_json(content)
    raise ImportFileError(_("Upload the Kobo / ODK export as JSON or XLSX."))


# --- Importing ------------------------------------------------------------------------------------

def _instance(submission: dict[str, Any]) -> str:
    for column in ID_COLUMNS:
        if submission.get(column):
            return str(submission[column]).strip()
    return ""


def _prepare(distribution: Distribution, submissions: list[dict[str, Any]]) -> tuple[list[RowResult],
                                                                                        dict[int, list[dict]]]:
    on_list = {code: status for code, status in distribution.targets.values_list("person__code", "status")}
    rows: list[RowResult] = []
    items: dict[int, list[dict]] = {}
    for index, submission in enumerate(submissions):
        # Two rows under one instanceID are judged by the sync path: the same answer is a
        # replay, another answer a conflict (reported on the second row).
        number = index + 1
        instance = _instance(submission)
        person = codes.normalise(str(submission.get("person") or ""))
        outcome = str(submission.get("outcome") or "").strip()
        row = RowResult(number, instance, codes.display(person) if person else "", "failed")
        rows.append(row)
        try:
            uuid.UUID(instance.removeprefix("uuid:"))
        except ValueError:
            row.errors.append(_("The submission has no valid instanceID."))
        if not person:
            row.errors.append(_("The person's code is missing."))
        elif person not in on_list:
            row.errors.append(_("This person is not on the distribution's list."))
        form_distribution = str(submission.get("distribution") or "").strip()
        if form_distribution and form_distribution.removesuffix(".0") != str(distribution.pk):
            # The form carries its distribution's id: another distribution's export is refused.
            row.errors.append(_("This submission was made with another distribution's form."))
        if outcome not in ("delivered", "refused"):
            row.errors.append(_("The outcome must be “delivered” or “refused”."))
        if row.errors:
            continue
        if outcome == "refused":
            row.status = "refusal"
            continue
        items[index] = xlsform.submissions_to_items(distribution, [{**submission, "person": person,
                                                                    "meta/instanceID": instance}])
    return rows, items


def kobo_import(*, actor: Any, distribution: Distribution, submissions: list[dict[str, Any]]) -> ImportResult:
    """Import the submissions for `distribution` (already fetched in the caller's scope)."""
    scope = scope_for(actor)
    if not scope.is_partner or scope.organisation_id != distribution.organisation_id:
        raise ValidationError(_("Only the association's own staff may import its check-in."))
    types = distribution.types.count() or 1
    if len(submissions) * types > sync.MAX_BATCH:
        raise ValidationError(_("At most %(n)s submissions per file.") % {"n": sync.MAX_BATCH // types})
    with transaction.atomic():
        distribution = Distribution.objects.select_for_update().get(pk=distribution.pk)
        if distribution.status not in IMPORT_OPEN:
            raise ValidationError(_("Submissions can be imported while the distribution is in progress or "
                                    "once it is closed."))
        rows, items = _prepare(distribution, submissions)
        _deliver(actor, rows, items)
        _refusals(actor, distribution, rows, submissions)
        result = ImportResult(distribution, rows)
        audit_record(actor=actor, kind="create", action="distribution.kobo_import", target=distribution,
                     organisation_id=distribution.organisation_id,
                     fields=[f"rows:{len(rows)}", f"created:{result.count('created')}",
                             f"failed:{result.failed}"])
    return result


def _deliver(actor: Any, rows: list[RowResult], items: dict[int, list[dict]]) -> None:
    candidates = dict(items)
    for _pass in range(MAX_PASSES):
        if not candidates:
            return
        order = sorted(candidates)
        flat = [item for index in order for item in candidates[index]]
        savepoint = transaction.savepoint()
        outcomes = sync.sync_batch(actor=actor, raw_items=flat, source=Delivery.Source.KOBO)
        by_row: dict[int, list[Any]] = {}
        position = 0
        for index in order:
            size = len(candidates[index])
            by_row[index] = outcomes[position:position + size]
            position += size
        bad = {index for index, row_outcomes in by_row.items() if not all(o.ok for o in row_outcomes)}
        if not bad:
            transaction.savepoint_commit(savepoint)
            for index, row_outcomes in by_row.items():
                row = rows[index]
                row.status = "created" if any(o.status == "created" for o in row_outcomes) else "replayed"
                row.deliveries = [o.delivery for o in row_outcomes if o.delivery is not None]
                row.vouchers = [o.voucher for o in row_outcomes if o.voucher is not None]
            return
        # Nothing half-written: undo the pass, report the rows that failed, retry the others.
        transaction.savepoint_rollback(savepoint)
        for index in bad:
            row = rows[index]
            row.errors = list(dict.fromkeys(e for o in by_row[index] if not o.ok for e in o.errors))
            row.status = "failed"
            del candidates[index]
    for index in candidates:
        rows[index].errors = [_("The submission could not be recorded; import the file again.")]


def _refusals(actor: Any, distribution: Distribution, rows: list[RowResult],
              submissions: list[dict[str, Any]]) -> None:
    refused = [(index, r) for index, r in enumerate(rows) if r.status == "refusal"]
    if not refused:
        return
    targets = {t.person.code: t for t in DistributionTarget.objects.select_for_update()
               .filter(distribution=distribution).select_related("person")}
    now = timezone.now()
    for index, row in refused:
        target = targets[codes.normalise(row.person)]
        reason = str(submissions[index].get("reason") or "").strip()[:255]
        if target.status == DistributionTarget.Status.DELIVERED:
            row.status = "failed"
            row.errors.append(_("This person has already received the assistance."))
        elif target.status == DistributionTarget.Status.REFUSED:
            row.status = "refusal_replayed"
        else:
            target.status, target.reason, target.checked_in_at = DistributionTarget.Status.REFUSED, reason, now
            target.save(update_fields=["status", "reason", "checked_in_at"])
            audit_record(actor=actor, kind="change", action="distribution.target_refused", target=distribution,
                         organisation_id=distribution.organisation_id)
