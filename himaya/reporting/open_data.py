"""The open datasets: HXL-tagged CSV of the public aggregates, and the 5W matrix as XLSX.

Both publish only protected figures. The CSV's cells come from the same protected tables
as the dashboard, so nothing in it can be subtracted from the dashboard's totals to find
a hidden cell. The 5W is a finer table (partner × region × type × year × sex) protected
on its own; see docs/decisions/0701-results-disclosure-and-freshness.md for what that
does and does not guarantee.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from typing import Any

from django.db.models import CharField, Count, F, Value
from django.db.models.functions import Coalesce, ExtractYear

from himaya.disclosure import MEDICAL_THRESHOLD, STANDARD_THRESHOLD, protect
from himaya.monitoring import measures
from himaya.reference.models import Region
from himaya.reporting.figures import public_figures

HXL_COLUMNS = [
    ("Country code", "#country+code"),
    ("Region code", "#adm1+code"),
    ("Region", "#adm1+name"),
    ("Year", "#date+year"),
    ("Direct assistances", "#indicator+num+direct_assistances"),
    ("Medical assistances", "#indicator+num+medical_assistances"),
    ("People first reached", "#reached+ind"),
]


def hxl_csv() -> str:
    """One row per region and year; an empty cell is a suppressed figure."""
    figures = public_figures()
    names = {r.code: r.name_fr for r in Region.objects.all()}
    years = sorted(figures["by_year"])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([label for label, _tag in HXL_COLUMNS])
    writer.writerow([tag for _label, tag in HXL_COLUMNS])
    cells = figures["cells"]
    for region in sorted(figures["by_region"]):
        for year in years:
            values = [cells[name].get(f"{region}|{year}") for name in
                      ("direct_assistances", "medical_assistances", "people_reached")]
            if not any(values) and all(v == 0 for v in values):
                continue
            writer.writerow(["MAR", region if region in names else "", names.get(region, ""),
                             year, *["" if v is None else v for v in values]])
    return out.getvalue()


# --- 5W: who, what, where, when, for whom ---------------------------------------------------

SEX_COLUMNS = ["female", "male", "other", "not_stated", measures.UNKNOWN]
FIVE_W_HEADERS = [
    ("Who (partner)", "#org+impl"), ("What (assistance)", "#activity+code"),
    ("Category", "#sector"), ("Where (region code)", "#adm1+code"), ("Where (region)", "#adm1+name"),
    ("When (year)", "#date+year"),
    ("Women and girls", "#reached+f"), ("Men and boys", "#reached+m"),
    ("Other", "#reached+other"), ("Sex not stated", "#reached+unknown"),
    ("Household deliveries", "#reached+hh"), ("Total deliveries", "#reached+total"),
]


def five_w_rows() -> list[list[Any]]:
    """Deliveries by partner, type, region and year, split by sex: read from the release,
    where they were protected together with the dashboard and every other output."""
    from himaya.monitoring import release as releases
    from himaya.organisations.models import Organisation

    current = releases.current()
    if current is None:
        return _five_w_rows_alone()
    partners = dict(Organisation.objects.values_list("code", "name_fr"))
    names = {r.code: r.name_fr for r in Region.objects.all()}
    raw = current.linked.aggregates
    out: list[list[Any]] = []
    for row in current.five_w_rows:
        partner, type_code, category, region, year = row
        sexes = [current.value(k) if (k := releases.five_w_key(row, sex)) in raw else 0
                 for sex in SEX_COLUMNS]
        place = "" if region == measures.UNKNOWN else region
        out.append([partners.get(partner, partner), type_code, category, place,
                    names.get(region, ""), year, *sexes,
                    current.value(releases.five_w_key(row, None))])
    return out


def _five_w_rows_alone() -> list[list[Any]]:
    """Without aggregates (see aggregates.current_state): the 5W protected on its own."""
    from himaya.assistance.models import Delivery

    rows = (
        Delivery.objects.annotate(
            partner=F("organisation__name_fr"), type_code=F("assistance_type__code"),
            category=F("assistance_type__category"),
            region_code=Coalesce(F("commune__region__code"), F("organisation__region__code"),
                                 Value(""), output_field=CharField()),
            year=ExtractYear("delivered_on"),
            sex=Coalesce(F("person__sex"), Value(measures.UNKNOWN), output_field=CharField()),
        )
        .values("partner", "type_code", "category", "region_code", "year", "sex")
        .annotate(n=Count("pk")).order_by()
    )
    grids: dict[bool, dict[tuple[Any, Any], int]] = defaultdict(dict)
    keys: dict[tuple, str] = {}
    for row in rows:
        key = (row["partner"], row["type_code"], row["region_code"], row["year"])
        keys[key] = row["category"]
        medical = row["category"] == "medical"
        sex = row["sex"] if row["sex"] in SEX_COLUMNS else measures.UNKNOWN
        grids[medical][(key, sex)] = grids[medical].get((key, sex), 0) + row["n"]
    names = {r.code: r.name_fr for r in Region.objects.all()}
    out: list[list[Any]] = []
    for medical, grid in sorted(grids.items()):
        threshold = MEDICAL_THRESHOLD if medical else STANDARD_THRESHOLD
        row_keys = sorted({k for k, _ in grid}, key=str)
        table = protect(grid, threshold=threshold, rows=row_keys, columns=SEX_COLUMNS)
        for key in row_keys:
            partner, type_code, region, year = key
            sexes = [table.cells[(key, s)] for s in SEX_COLUMNS]
            out.append([partner, type_code, keys[key], region, names.get(region, ""), year,
                        *sexes[:4], sexes[4], table.row_totals[key]])
    return out


def five_w_xlsx() -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet("5W")
    for column, (label, tag) in enumerate(FIVE_W_HEADERS):
        sheet.write(0, column, label, bold)
        sheet.write(1, column, tag)
    for r, row in enumerate(five_w_rows(), start=2):
        for c, value in enumerate(row):
            if value is None:
                sheet.write_blank(r, c, None)
            else:
                sheet.write(r, c, value)
    sheet.freeze_panes(2, 0)
    sheet.set_column(0, 0, 40)
    notes = book.add_worksheet("About")
    notes.write(0, 0, "Deliveries recorded in Himaya. Empty cells are not published: fewer than "
                      f"{STANDARD_THRESHOLD} ({MEDICAL_THRESHOLD} for medical assistance), or "
                      "hidden so that such a figure cannot be worked out from the others.")
    book.close()
    return buffer.getvalue()
