"""A person's own data, exported for them (subject access, PROTECTION.md P17)."""

from __future__ import annotations

import io
import json
from typing import Any

import xlsxwriter
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from himaya.audit.services import audit_record
from himaya.registry import queries
from himaya.registry.models import Person


def _rows_identity(person: Person) -> list[tuple[str, str]]:
    household = getattr(person, "membership", None)
    return [
        (_("Code"), person.code_display),
        (_("Given name"), person.given_name),
        (_("Family name"), person.family_name),
        (_("Other names"), person.other_names),
        (_("Sex"), str(person.get_sex_display())),
        (_("Birth date"), person.birth_date or (
            f"{person.birth_month:02d}/{person.birth_year}" if person.birth_month and person.birth_year
            else str(person.birth_year or ""))),
        (_("What is known of the birth date"), str(person.get_birth_precision_display())),
        (_("Nationality"), person.nationality.name if person.nationality else ""),
        (_("Languages spoken"), ", ".join(lang.name for lang in person.languages.all())),
        (_("Region"), person.region.name if person.region else ""),
        (_("Province or prefecture"), person.province.name if person.province else ""),
        (_("Commune"), person.commune.name if person.commune else ""),
        (_("Phone"), person.phone),
        (_("Household"), household.household.code_display if household else ""),
        (_("Relationship to the head"), str(household.get_relationship_display()) if household else ""),
        (_("Registered by"), person.organisation.name),
        (_("Registered on"), timezone.localtime(person.registered_at).strftime("%Y-%m-%d")),
    ]


@transaction.atomic
def person_export_xlsx(*, actor: Any, person: Person) -> bytes:
    """Every piece of data held on the person, readable, one sheet per topic; audited."""
    buffer = io.BytesIO()
    # Strings are written as strings: a name starting with "=" never becomes a formula.
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False})
    bold = workbook.add_format({"bold": True})

    def sheet(title: str, header: list[str], rows: list[list[Any]]) -> None:
        worksheet = workbook.add_worksheet(title[:31])
        worksheet.set_column(0, len(header) - 1, 28)
        for column, label in enumerate(header):
            worksheet.write_string(0, column, str(label), bold)
        for number, row in enumerate(rows, start=1):
            for column, value in enumerate(row):
                worksheet.write_string(number, column, "" if value is None else str(value))

    sheet(_("Person"), [_("Field"), _("Value")], [list(row) for row in _rows_identity(person)])
    sheet(_("Documents"), [_("Document type"), _("Document number"), _("Issuing country")], [
        [d.get_kind_display(), d.number, d.issuing_country.name if d.issuing_country else ""]
        for d in person.documents.all()
    ])
    sheet(_("Vulnerabilities"), [_("Vulnerability")],
          [[v.name] for v in person.vulnerabilities.all()])
    sheet(_("Consent"), [_("Purpose"), _("Legal basis"), _("Status"), _("Collected on"),
                         _("Withdrawn at")], [
        [c.get_purpose_display(), c.get_legal_basis_display(), c.get_status_display(),
         c.collected_on.isoformat(),
         timezone.localtime(c.withdrawn_at).strftime("%Y-%m-%d %H:%M") if c.withdrawn_at else ""]
        for c in person.consents.all()
    ])
    sheet(_("History"), [_("Date"), _("Fields changed"), _("Previous values")], [
        [timezone.localtime(v.changed_at).strftime("%Y-%m-%d %H:%M"), ", ".join(v.fields),
         json.dumps({k: val for k, val in json.loads(v.snapshot).items() if k in v.fields},
                    ensure_ascii=False)]
        for v in person.versions.all()
    ])
    sheet(_("Access log"), [_("Date"), _("By"), _("Action"), _("Fields")], [
        [timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M"), e.actor_username, e.action,
         ", ".join(e.fields)]
        for e in queries.person_audit_trail(person)
    ])
    workbook.close()
    audit_record(
        actor=actor, kind="export", action="person.export", target=person,
        organisation_id=person.organisation_id, fields=["all"],
    )
    return buffer.getvalue()


def person_export_document(person: Person, *, language: str, panels: list[tuple[str, str]],
                           action_labels: dict[str, Any]) -> Any:
    """The subject-access PDF as a laid-out WeasyPrint document (pages and boxes), not yet written.

    `panels` are (title, HTML) of what the apps above the registry (assistance,
    vouchers) show on the person's page, rendered by those apps with their own rules.
    """
    from weasyprint import HTML  # loads Pango: only when a PDF is made

    household = getattr(person, "membership", None)
    with translation.override(language):
        html = render_to_string("registry/pdf/subject_access.html", {
            "person": person,
            "language": language,
            "rtl": translation.get_language_bidi(),
            # Numbers, dates and codes read left to right even in an Arabic page (+212…, not …212+).
            "identity": [(label, value, not any(ch.isalpha() for ch in str(value)))
                         for label, value in _rows_identity(person)],
            "documents": list(person.documents.all()),
            "vulnerabilities": list(person.vulnerabilities.all()),
            "household": household.household if household else None,
            "household_members": household.household.members.select_related("person") if household else [],
            "consents": list(person.consents.all()),
            "versions": [(v, ", ".join(v.fields)) for v in person.versions.all()],
            "panels": panels,
            # The audit trail as it is stored: who, when, what kind of action, which fields; no values.
            "audit": [(e, action_labels.get(e.action, e.action), ", ".join(e.fields))
                      for e in queries.person_audit_trail(person)[:500]],
            "printed_on": timezone.localdate(),
        })
    return HTML(string=html).render()


@transaction.atomic
def person_export_pdf(*, actor: Any, person: Person, language: str, panels: list[tuple[str, str]],
                      action_labels: dict[str, Any]) -> bytes:
    """Everything held on the person as a readable PDF in `language` (RTL in Arabic); audited."""
    content = person_export_document(person, language=language, panels=panels,
                                     action_labels=action_labels).write_pdf()
    audit_record(
        actor=actor, kind="export", action="person.export_pdf", target=person,
        organisation_id=person.organisation_id, fields=["all"],
    )
    return content
