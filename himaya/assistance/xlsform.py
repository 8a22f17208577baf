"""An XLSForm for a distribution's check-in in KoboCollect / ODK Collect, and its submissions back.

The download is a zip of the form (`check-in.xlsx`) and its choices file
(`targets.csv`, used by `select_one_from_file`): the target list carries codes only,
never names, so a lost phone reveals no one. Submissions come back through
`sync.sync_batch`, with the submission's `instanceID` as the client id, so an
upload repeated by Kobo is one delivery and an edited resubmission is a 409.
"""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from typing import Any

import xlsxwriter

from himaya.assistance.models import Delivery, Distribution
from himaya.registry import codes

SURVEY = [
    ("type", "name", "label::French (fr)", "label::Arabic (ar)", "required", "relevant", "calculation"),
    ("start", "start", "", "", "", "", ""),
    ("end", "end", "", "", "", "", ""),
    ("calculate", "distribution", "", "", "", "", "{distribution}"),
    ("select_one_from_file targets.csv", "person", "Code de la personne", "رمز الشخص", "yes", "", ""),
    ("select_one outcome", "outcome", "Résultat", "النتيجة", "yes", "", ""),
    ("text", "reason", "Motif du refus", "سبب الرفض", "yes", "${outcome} = 'refused'", ""),
]
CHOICES = [
    ("list_name", "name", "label::French (fr)", "label::Arabic (ar)"),
    ("outcome", "delivered", "Remis", "تم التسليم"),
    ("outcome", "refused", "Refusé", "رفض"),
]


def check_in_workbook(distribution: Distribution) -> bytes:
    """The zip with the XLSForm and the choices file of this distribution's target list."""
    form = io.BytesIO()
    book = xlsxwriter.Workbook(form, {"in_memory": True})
    survey = book.add_worksheet("survey")
    for row, line in enumerate(SURVEY):
        for col, value in enumerate(line):
            survey.write(row, col, value.replace("{distribution}", str(distribution.pk)))
    choices = book.add_worksheet("choices")
    for row, line in enumerate(CHOICES):
        for col, value in enumerate(line):
            choices.write(row, col, value)
    settings = book.add_worksheet("settings")
    for col, (key, value) in enumerate([("form_title", f"Check-in {distribution.pk}"),
                                        ("form_id", f"himaya_check_in_{distribution.pk}"),
                                        ("version", distribution.created_at.strftime("%Y%m%d%H%M")),
                                        ("default_language", "French (fr)")]):
        settings.write(0, col, key)
        settings.write(1, col, value)
    book.close()
    targets = io.StringIO()
    writer = csv.writer(targets)
    writer.writerow(["name", "label"])
    for code in distribution.targets.order_by("pk").values_list("person__code", flat=True):
        writer.writerow([code, codes.display(code)])
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("check-in.xlsx", form.getvalue())
        bundle.writestr("targets.csv", targets.getvalue())
    return archive.getvalue()


def submissions_to_items(distribution: Distribution, submissions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Kobo/ODK submissions (JSON export) as sync items: one per type of the distribution.

    The instanceID (``uuid:…``) is the client id; each type gets a stable id derived from it.
    Refusals are not deliveries and are left to the check-in page.
    """
    kinds = list(distribution.types.order_by("order", "code").values_list("code", flat=True))
    items: list[dict[str, Any]] = []
    for submission in submissions:
        if submission.get("outcome") != "delivered":
            continue
        raw_id = str(submission.get("meta/instanceID") or submission.get("instanceID") or "")
        try:
            instance = uuid.UUID(raw_id.removeprefix("uuid:"))
        except ValueError:
            items.append({"uuid": raw_id})  # reported back as invalid, never dropped
            continue
        for kind in kinds:
            items.append({
                "uuid": str(uuid.uuid5(instance, kind)), "type": kind, "person": submission.get("person", ""),
                "delivered_on": distribution.planned_on.isoformat(), "site": distribution.site,
                "distribution": distribution.pk, "programme": distribution.programme.code,
                **({"commune": distribution.commune.code} if distribution.commune else {}),
            })
    return items


KOBO_SOURCE = Delivery.Source.KOBO
