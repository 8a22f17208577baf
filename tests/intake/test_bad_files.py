"""Every kind of bad input, each with its real file in tests/data/bad/: what is reported, what is stored."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from himaya.intake import pipeline
from himaya.intake.readers import detect_encoding
from himaya.registry.models import Person

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 29)


def check(path, world, **kwargs):
    return pipeline.check_file(path, path.name, world.partner_a, today=TODAY, **kwargs)


def apply(path, world, mode="all", tmp_path=None):
    rejected = tmp_path / "rejected.xlsx" if tmp_path else None
    return pipeline.apply_file(path, path.name, world.partner_a, actor=world.users["coord_a"], mode=mode,
                               rejected_path=rejected, today=TODAY)


def names(world):
    return sorted(p.full_name for p in Person.objects.filter(organisation=world.partner_a))


@pytest.mark.parametrize(("name", "encoding", "expected"), [
    ("people-windows-1256.csv", "cp1256", ["فاطمة الزهراء", "محمد العلوي"]),
    ("people-latin-1.csv", "cp1252", ["Aïcha Koné", "Jérôme N'Guessan"]),
    ("people-utf8-bom.csv", "utf-8-sig", ["Mariam Traoré", "Ousmane Diallo"]),
    ("people-utf16.txt", "utf-16", ["Aïcha Koné", "Jérôme N'Guessan"]),
])
def test_text_files_are_read_in_the_encoding_they_were_saved_in(name, encoding, expected, world, bad_file):
    path = bad_file(name)
    assert detect_encoding(path)[0] == encoding
    outcome = apply(path, world)
    assert outcome.applied and outcome.report.problem_count == 0
    assert names(world) == expected


def test_arabic_headers_and_values_map_to_the_columns(world, bad_file):
    apply(bad_file("people-windows-1256.csv"), world)
    mohamed = next(p for p in Person.objects.all() if p.given_name == "محمد")
    assert (mohamed.sex, mohamed.birth_date, mohamed.nationality.alpha3) == ("male", "1990-03-12", "SYR")
    assert mohamed.phone == "+212612345678"
    assert mohamed.consents.get(purpose="registration").status == "given"


def test_missing_required_columns_refuse_the_file_and_name_them(world, bad_file):
    report = check(bad_file("columns-missing.csv"), world)
    assert report.refused
    assert "Prénom" in report.file_error and "Sexe" in report.file_error
    outcome = apply(bad_file("columns-missing.csv"), world)
    assert not outcome.applied and Person.objects.count() == 0


def test_renamed_columns_are_recognised_and_extra_ones_reported(world, bad_file):
    report = check(bad_file("columns-renamed-extra.xlsx"), world)
    assert report.valid == 1
    # Reported (the page and the command list them), but not a problem of any row.
    assert report.unknown_columns == ["Remarks", "Shoe size"]
    assert report.problem_count == 0
    outcome = apply(bad_file("columns-renamed-extra.xlsx"), world)
    grace = Person.objects.get()
    assert (grace.given_name, grace.family_name, grace.sex, grace.birth_date) == (
        "Grace", "Mbala", "female", "1990-05-04")
    assert grace.nationality.alpha3 == "COD" and grace.phone == "+212661234567"
    assert outcome.created == 1


def test_dates_in_every_form_are_understood(world, bad_file):
    outcome = apply(bad_file("dates.xlsx"), world, mode="valid_rows")
    people = {p.external_id: p for p in Person.objects.all()}
    assert people["d1"].birth_date == "1990-03-12"  # dd/mm/yyyy
    assert people["d2"].birth_date == "1990-03-12"  # yyyy-mm-dd
    assert (people["d3"].birth_precision, people["d3"].birth_year) == ("year", 1987)  # 1987 as a number
    assert (people["d4"].birth_precision, people["d4"].birth_year) == ("year", 1987)  # "1987" as text
    assert people["d5"].birth_date == "1990-03-12"  # Excel serial 32944
    assert people["d6"].birth_date == "1993-08-21"  # a true date cell
    assert (people["d7"].birth_precision, people["d7"].birth_month, people["d7"].birth_year) == (
        "month", 6, 2001)
    assert "d8" not in people and "d9" not in people
    reasons = {p.row: p.reason for p in outcome.report.problems}
    assert "jj/mm/aaaa" in reasons[9]  # 31/02/1990 does not exist
    assert "futur" in reasons[10]


def test_excel_serial_numbers_typed_into_a_csv_are_dates(world, bad_file):
    apply(bad_file("dates-serial.csv"), world)
    people = {p.external_id: p for p in Person.objects.all()}
    assert people["s1"].birth_date == "1990-03-12"
    assert people["s2"].birth_year == 1990 and people["s2"].birth_date == ""


def test_phone_numbers_in_every_form(world, bad_file):
    outcome = apply(bad_file("phones.csv"), world, mode="valid_rows")
    phones = {p.external_id: p.phone for p in Person.objects.all()}
    for n in range(1, 12):
        assert phones[f"p{n}"] == "+212612345678", n
    assert phones["p12"] == "+212522123456"
    assert phones["p13"] == phones["p14"] == phones["p15"] == "+221771234567"
    assert phones["p16"] == "+33612345678"
    assert "p17" not in phones and "p18" not in phones
    assert {p.row for p in outcome.report.problems} == {18, 19}
    assert all(p.column == "phone" for p in outcome.report.problems)


def test_phones_a_spreadsheet_turned_into_numbers(world, bad_file):
    apply(bad_file("phones-as-numbers.xlsx"), world)
    phones = {p.external_id: p.phone for p in Person.objects.all()}
    assert phones == {"n1": "+212612345678", "n2": "+212612345678", "n3": "+221771234567"}


@pytest.mark.parametrize("name", ["formulas.xlsx", "formulas.csv"])
def test_formulas_are_never_evaluated_and_are_neutralised_in_the_rejected_rows(name, world, bad_file,
                                                                              tmp_path):
    outcome = apply(bad_file(name), world, mode="valid_rows", tmp_path=tmp_path)
    formula_problems = [p for p in outcome.report.problems if "formule" in p.reason]
    assert formula_problems and all(p.value.startswith("=") for p in formula_problems)
    # Only the clean row was written; nothing of a formula reached the registry.
    stored = Person.objects.all()
    assert len(stored) == 1
    assert not any(value.startswith(("=", "+", "-", "@")) for p in stored
                   for value in (p.given_name, p.family_name))
    sheet = openpyxl.load_workbook(outcome.rejected_file).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    # No cell of the export is a formula, and every text a spreadsheet would run starts with '.
    assert all(c.data_type != "f" for c in cells)
    dangerous = [c.value for c in cells if isinstance(c.value, str) and c.value.lstrip("'")[:1] in "=+-@"]
    assert dangerous and all(value.startswith("'") for value in dangerous)
    assert any("HYPERLINK" in value for value in dangerous)


def test_the_rejected_rows_file_imports_again_once_corrected(world, bad_file, tmp_path):
    outcome = apply(bad_file("formulas.xlsx"), world, mode="valid_rows", tmp_path=tmp_path)
    workbook = openpyxl.load_workbook(outcome.rejected_file)
    sheet = workbook.active
    headers = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        for cell, header in zip(row, headers, strict=False):
            if isinstance(cell.value, str) and cell.value.startswith("'="):
                cell.value = "Awa" if header == "given_name" else "Sow" if header == "family_name" else "0612345670"
    corrected = tmp_path / "corrected.xlsx"
    workbook.save(corrected)
    second = pipeline.apply_file(corrected, "corrected.xlsx", world.partner_a, actor=None, mode="all",
                                 today=TODAY)
    assert second.applied, [p.reason for p in second.report.problems]
    assert Person.objects.count() == 3


@pytest.mark.parametrize(("name", "message"), [
    ("empty.csv", "vide"),
    ("empty.xlsx", "vide"),
    ("header-only.csv", "aucune ligne"),
    ("not-a-spreadsheet.xlsx", "pas un classeur Excel"),
    ("zip-not-a-workbook.xlsx", "pas un classeur Excel"),
])
def test_unreadable_files_are_refused_with_a_clear_message(name, message, world, bad_file):
    outcome = apply(bad_file(name), world)
    assert not outcome.applied and outcome.report.refused
    assert message in outcome.report.file_error
    assert Person.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused(world, tmp_path, settings):
    settings.HIMAYA_IMPORT_MAX_BYTES = 1024
    big = tmp_path / "big.csv"
    big.write_text("given_name;sex;consent_registration\n" + "Awa;F;oui\n" * 200, encoding="utf-8")
    assert big.stat().st_size > 1024
    outcome = apply(big, world)
    assert not outcome.applied and "1 KB" in outcome.report.file_error
    assert Person.objects.count() == 0


def test_the_default_size_limit_is_twenty_megabytes():
    from himaya.intake.readers import max_bytes

    assert max_bytes() == 20 * 1024 * 1024


def test_duplicated_rows_are_reported_and_applied_once(world, bad_file, tmp_path):
    report = check(bad_file("duplicates.csv"), world)
    reasons = {p.row: p.reason for p in report.problems}
    assert reasons[3].startswith("Même personne qu'à la ligne 2") and "ligne 4" in reasons[5]
    assert "ligne 6" in reasons[7] and "autre personne" in reasons[7] and report.duplicates == 2
    # All or nothing: a file with duplicates is refused and writes nothing.
    assert not apply(bad_file("duplicates.csv"), world).applied
    assert Person.objects.count() == 0
    outcome = apply(bad_file("duplicates.csv"), world, mode="valid_rows", tmp_path=tmp_path)
    assert outcome.created == 3 and Person.objects.count() == 3
    assert openpyxl.load_workbook(outcome.rejected_file).active.max_row == 1 + 3


def test_households_need_exactly_one_head(world, bad_file):
    outcome = apply(bad_file("households.csv"), world, mode="valid_rows")
    assert outcome.households_created == 2
    m1 = Person.objects.get(external_id="h1").membership.household
    assert sorted(m.relationship for m in m1.members.all()) == ["child", "head", "spouse"]
    assert not Person.objects.filter(external_id="h5").exists()
    assert [p.row for p in outcome.report.problems] == [6]
