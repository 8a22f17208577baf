"""An XLSForm (KoboToolbox / ODK Collect) generated from the same column schema as the template.

Field names are the schema's machine keys, so a Kobo export (JSON or XLSX, with
XML names or with labels in any of the three languages) maps back to the same
columns; `meta/instanceID` becomes the person's external id. Province and
commune lists are filtered by the region and province chosen (choice_filter).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import xlsxwriter
from django.utils.translation import gettext as _
from django.utils.translation import override

from himaya.intake.schema import COLUMNS, Column
from himaya.reference.models import Commune, Country, Language, Province, Region
from himaya.registry.models import BirthPrecision, VulnerabilityCriterion

FORM_ID = "himaya_people"
LANGUAGES = (("fr", "Français (fr)"), ("ar", "العربية (ar)"), ("en", "English (en)"))
# Precisions the form offers: "month" needs a month picker ODK shows badly on old phones.
FORM_PRECISIONS = (BirthPrecision.EXACT, BirthPrecision.YEAR, BirthPrecision.AGE, BirthPrecision.UNKNOWN)
RELEVANT = {
    "birth_date": "${birth_precision} = 'exact'",
    "birth_year": "${birth_precision} = 'year'",
    "approximate_age": "${birth_precision} = 'age'",
    "document_number": "${document_type} != ''",
    "document_country": "${document_type} != ''",
    "relationship": "${household} != ''",
}
CHOICE_FILTER = {"province": "region=${region}", "commune": "province=${province}"}
APPEARANCE = {"phone": "numbers", "nationality": "minimal", "document_country": "minimal",
              "commune": "minimal", "languages": "minimal", "consent_language": "minimal"}
# Kept out of the form: the submission's instanceID is the reference; the date is the survey's.
NOT_IN_FORM = {"external_id"}


def _labels(text: Any) -> list[str]:
    labels = []
    for code, _name in LANGUAGES:
        with override(code):
            labels.append(str(text))
    return labels


def _named(obj: Any) -> list[str]:
    return [getattr(obj, f"name_{code}", "") or obj.name_fr for code, _name in LANGUAGES]


def _choice_rows() -> list[list[Any]]:
    """(list_name, name, label per language, region, province) rows."""
    rows: list[list[Any]] = []
    for column in COLUMNS:
        if column.kind == "choice" and column.choices is not None:
            list_name = column.xlsform_type.split()[-1]
            for value, label in column.choices.choices:
                if column.key == "birth_precision" and value not in FORM_PRECISIONS:
                    continue
                rows.append([list_name, value, *_labels(label), "", ""])
    rows += [["yes_no", "yes", *_labels(_("yes")), "", ""], ["yes_no", "no", *_labels(_("no")), "", ""]]
    rows += [["country", c.alpha3, *_named(c), "", ""] for c in Country.objects.order_by("name_fr")]
    rows += [["language", lang.code, *_named(lang), "", ""] for lang in Language.objects.order_by("name_fr")]
    rows += [["region", r.code, *_named(r), "", ""] for r in Region.objects.all()]
    rows += [["province", p.code, *_named(p), p.region.code, ""]
             for p in Province.objects.select_related("region")]
    rows += [["commune", c.code, *_named(c), "", c.province.code]
             for c in Commune.objects.select_related("province")]
    rows += [["vulnerability", v.code, *_named(v), "", ""]
             for v in VulnerabilityCriterion.objects.filter(active=True)]
    return rows


def _form_type(column: Column) -> str:
    if column.key == "consent_date":
        return "today"  # the day of the interview, recorded by the phone
    if column.key == "languages":
        return "select_multiple language"
    if column.key == "consent_language":
        return "select_one language"
    return column.xlsform_type


def people_xlsform() -> bytes:
    """The XLSForm as XLSX bytes (survey, choices, settings)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_numbers": False, "strings_to_urls": False})
    survey = workbook.add_worksheet("survey")
    label_headers = [f"label::{name}" for _code, name in LANGUAGES]
    hint_headers = [f"hint::{name}" for _code, name in LANGUAGES]
    survey.write_row(0, 0, ["type", "name", *label_headers, *hint_headers, "required", "relevant",
                            "choice_filter", "appearance"])
    row = 1
    for column in COLUMNS:
        if column.key in NOT_IN_FORM:
            continue
        form_type = _form_type(column)
        labels = _labels(column.label) if form_type != "today" else ["", "", ""]
        hints = _labels(column.help) if column.help and form_type != "today" else ["", "", ""]
        survey.write_row(row, 0, [
            form_type, column.key, *labels, *hints, "yes" if column.required else "",
            RELEVANT.get(column.key, ""), CHOICE_FILTER.get(column.key, ""), APPEARANCE.get(column.key, ""),
        ])
        row += 1
    choices = workbook.add_worksheet("choices")
    choices.write_row(0, 0, ["list_name", "name", *label_headers, "region", "province"])
    for number, values in enumerate(_choice_rows(), start=1):
        choices.write_row(number, 0, values)
    settings_sheet = workbook.add_worksheet("settings")
    settings_sheet.write_row(0, 0, ["form_title", "form_id", "version", "default_language"])
    with override("fr"):
        title = str(_("Himaya: registration of people"))
    settings_sheet.write_row(1, 0, [title, FORM_ID, dt.date.today().strftime("%Y%m%d"), LANGUAGES[0][1]])  # noqa: DTZ011 - a version label
    workbook.close()
    return buffer.getvalue()


def people_xform() -> str:
    """The form converted to XForm XML by pyxform (what Kobo and ODK Central build from it)."""
    from pyxform.xls2xform import convert

    return convert(xlsform=io.BytesIO(people_xlsform()), file_type=".xlsx", form_name="data").xform
