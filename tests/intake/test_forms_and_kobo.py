"""The XLSX template and the XLSForm come from one schema; Kobo exports come back keyed by instanceID."""

from __future__ import annotations

import datetime as dt
import io
from xml.etree import ElementTree as etree

import openpyxl
import pytest

from himaya.intake import pipeline, template_workbook, xlsform
from himaya.intake.schema import COLUMNS, REQUIRED_KEYS
from himaya.registry.models import Person

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 29)
XF = "{http://www.w3.org/2002/xforms}"


def test_the_xlsform_converts_with_pyxform_and_has_every_field():
    xml = xlsform.people_xform()
    tree = etree.fromstring(xml.encode())
    binds = {b.get("nodeset").rsplit("/", 1)[-1]: b for b in tree.iter(f"{XF}bind")}
    expected = {c.key for c in COLUMNS} - xlsform.NOT_IN_FORM
    assert expected <= set(binds)
    assert binds["given_name"].get("required") == "true()"
    assert "instanceID" in binds  # ODK adds meta/instanceID: the import's key
    assert binds["province"] is not None and "region" in xml  # cascading choice filters
    # Labels in the three languages.
    assert 'lang="العربية (ar)"' in xml and 'lang="English (en)"' in xml and 'lang="Français (fr)"' in xml


def test_the_xlsx_template_has_dropdowns_keys_and_instructions_in_the_users_language():
    workbook = openpyxl.load_workbook(io.BytesIO(template_workbook.people_template("ar")))
    people, instructions, lists = workbook.worksheets
    assert lists.sheet_state == "hidden"
    keys = [c.value for c in people[2]]
    assert keys == [c.key for c in COLUMNS]
    labels = [c.value for c in people[1]]
    assert labels[keys.index("given_name")].endswith("*")
    assert any("\u0600" <= ch <= "\u06ff" for ch in labels[keys.index("given_name")])
    assert people.sheet_view.rightToLeft
    validated = {people.cell(row=1, column=c + 1).value for dv in people.data_validations.dataValidation
                 for rng in dv.sqref.ranges for c in range(rng.min_col - 1, rng.max_col)}
    for key in ("sex", "birth_precision", "nationality", "region", "province", "commune", "vulnerabilities",
                "consent_registration", "consent_follow_up"):
        assert labels[keys.index(key)] in validated, key
    nationalities = [c.value for c in lists[chr(ord("A") + _list_column(lists, "nationality"))]][1:]
    assert "SEN — " + "السنغال" in nationalities or any(v.startswith("SEN — ") for v in nationalities)
    assert any("\u0600" <= ch <= "\u06ff" for ch in instructions["A1"].value)
    assert all(key in [c.value for c in instructions["B"]] for key in REQUIRED_KEYS)


def _list_column(sheet, key):
    return [c.value for c in sheet[1]].index(key)


def test_a_filled_template_imports(world, tmp_path):
    workbook = openpyxl.load_workbook(io.BytesIO(template_workbook.people_template("fr")))
    sheet = workbook.worksheets[0]
    keys = [c.value for c in sheet[2]]
    lists = workbook["lists"]
    senegal = next(c.value for c in lists[chr(ord("A") + _list_column(lists, "nationality"))]
                   if c.value and c.value.startswith("SEN — "))
    values = {"external_id": "T-1", "given_name": "Awa", "family_name": "Diallo", "sex": sheet_choice("female"),
              "birth_date": "12/03/1990", "nationality": senegal, "phone": "0612345678",
              "consent_registration": "oui", "vulnerabilities": "single-parent, pregnant-lactating"}
    for key, value in values.items():
        sheet.cell(row=3, column=keys.index(key) + 1, value=value)
    path = tmp_path / "filled.xlsx"
    workbook.save(path)
    outcome = pipeline.apply_file(path, "filled.xlsx", world.partner_a, actor=None, mode="all", today=TODAY)
    assert outcome.applied, [p.reason for p in outcome.report.problems]
    person = Person.objects.get(external_id="T-1")
    assert person.nationality.alpha3 == "SEN" and person.sex == "female"
    assert sorted(v.code for v in person.vulnerabilities.all()) == ["pregnant-lactating", "single-parent"]


def sheet_choice(value):
    from django.utils.translation import override

    from himaya.registry.models import Sex

    with override("fr"):
        return str(Sex(value).label)


def test_kobo_json_export_imports_keyed_by_instance_id(world, bad_file):
    path = bad_file("kobo-export.json")
    outcome = pipeline.apply_file(path, path.name, world.partner_a, actor=None, mode="valid_rows", today=TODAY)
    assert outcome.created == 2 and outcome.report.rejected == 1
    khadija = Person.objects.get(external_id="0b6f7a4e-1111-4c1e-9a55-3f7d1b1a0001")
    assert (khadija.given_name, khadija.birth_date, khadija.nationality.alpha3) == ("Khadija", "1994-06-30", "DZA")
    assert sorted(v.code for v in khadija.vulnerabilities.all()) == ["pregnant-lactating", "single-parent"]
    assert khadija.consents.get(purpose="follow_up").status == "refused"
    assert khadija.consents.get(purpose="registration").collected_on == dt.date(2026, 11, 2)
    yaw = Person.objects.get(external_id="0b6f7a4e-2222-4c1e-9a55-3f7d1b1a0002")
    assert (yaw.birth_precision, yaw.birth_year) == ("age", 2026 - 34)
    # The submission with no name is reported, row = its position in the export.
    assert [(p.row, p.column) for p in outcome.report.problems] == [(3, "person/given_name")]
    # Exported again (more submissions or not), nothing is created twice.
    again = pipeline.apply_file(path, path.name, world.partner_a, actor=None, mode="valid_rows", today=TODAY)
    assert again.created == 0 and Person.objects.count() == 2


def test_kobo_xlsx_export_of_the_same_submission_is_the_same_person(world, bad_file):
    json_path, xlsx_path = bad_file("kobo-export.json"), bad_file("kobo-export.xlsx")
    pipeline.apply_file(json_path, json_path.name, world.partner_a, actor=None, mode="valid_rows", today=TODAY)
    outcome = pipeline.apply_file(xlsx_path, xlsx_path.name, world.partner_a, actor=None, mode="all", today=TODAY)
    assert outcome.applied and outcome.created == 0 and outcome.report.unchanged == 1
    assert outcome.report.unknown_columns == []  # Kobo's own columns (_id, start, …) are not "unknown"
