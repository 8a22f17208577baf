"""The donor report of a programme for a period, as PDF (WeasyPrint) or XLSX, run as a job.

A donor reads it, so every figure in it is protected as on any outsider's page: the
indicator table, the disaggregation tables (with their own margins), the map and the
chart. The narrative sections are the programme manager's words.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from himaya.jobs.files import write_bytes_atomic
from himaya.jobs.handlers import Progress
from himaya.jobs.models import Job
from himaya.jobs.services import jobs_directory
from himaya.monitoring import measures
from himaya.monitoring.models import Dimension, NarrativeSection, ReportingPeriod
from himaya.monitoring.queries import Breakdown, breakdown, results_table
from himaya.organisations.models import Programme
from himaya.reference.models import Region
from himaya.reporting.charts import bar_chart
from himaya.reporting.figures import public_figures
from himaya.reporting.regions_map import choropleth

JOB_KIND = "reporting.donor_report"
FORMATS = ("pdf", "xlsx")
LANGUAGES = ("fr", "en", "ar")


@dataclass
class ReportData:
    programme: Programme
    period: ReportingPeriod | None
    table: Any
    breakdowns: list[Breakdown]
    narrative: list[NarrativeSection]
    figures: dict[str, Any]
    language: str


def collect(programme: Programme, period: ReportingPeriod | None, language: str,
            progress: Progress | None = None) -> ReportData:
    table = results_table(programme, protected=True)
    window = measures.Window(programme, period.start if period else programme.start,
                             period.end if period else programme.end)
    breakdowns: list[Breakdown] = []
    computed = [row.indicator for row in table.rows
                if row.indicator.is_computed and row.indicator.disaggregations and not row.error]
    for done, indicator in enumerate(computed, start=1):
        for dimension in indicator.disaggregations:
            try:
                breakdowns.append(breakdown(indicator, window, (dimension,), protected=True))
            except measures.DefinitionError:
                continue  # not in the published tables (e.g. vulnerability): left out
        if progress:
            progress(done, len(computed) + 2, _("Disaggregations"))
    narrative = list(NarrativeSection.objects.filter(programme=programme))
    if period is not None:
        narrative = [s for s in narrative if s.period_id in (None, period.pk)]
    return ReportData(programme, period, table, breakdowns, narrative,
                      public_figures(programme), language)


def _dimension_label(code: str) -> str:
    return str(dict(Dimension.choices).get(code, code))


def render_pdf(data: ReportData) -> bytes:
    from weasyprint import HTML  # loads Pango: only when a report is printed

    names = {r.code: r.name for r in Region.objects.all()}
    with translation.override(data.language):
        names = {r.code: r.name for r in Region.objects.all()}
        values = {code: row.get("direct_assistances")
                  for code, row in data.figures["by_region"].items() if code in names}
        years = sorted(data.figures["by_year"])
        chart = bar_chart(years, [
            (_("Direct assistances"),
             [data.figures["by_year"][y]["direct_assistances"] for y in years]),
            (_("Medical assistances"),
             [data.figures["by_year"][y]["medical_assistances"] for y in years]),
        ])
        html = render_to_string("reporting/pdf/donor_report.html", {
            "data": data, "table": data.table, "map": choropleth(values, names), "chart": chart,
            "breakdowns": [(b, _dimension_label(b.by[0])) for b in data.breakdowns],
            "rtl": data.language == "ar", "language": data.language,
            "printed_on": timezone.localdate(),
        })
    return HTML(string=html).write_pdf()


def render_xlsx(data: ReportData) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    bold = book.add_format({"bold": True})
    with translation.override(data.language):
        rtl = data.language == "ar"
        sheet = book.add_worksheet(_("Indicators")[:31])
        if rtl:
            sheet.right_to_left()
        header = [_("Code"), _("Indicator"), _("Unit"), _("Baseline")]
        for period in data.table.periods:
            header += [f"{period.label} · {_('target')}", f"{period.label} · {_('actual')}"]
        header += [_("End-of-programme target"), _("Actual to date"), _("% achieved")]
        sheet.write_row(0, 0, header, bold)
        for r, row in enumerate(data.table.rows, start=1):
            values: list[Any] = [row.indicator.code, row.indicator.title, row.indicator.unit,
                                 float(row.indicator.baseline)]
            for cell in row.cells:
                values += [_num(cell.target), _num(cell.actual)]
            values += [_num(row.total.target), _num(row.total.actual), row.total.percent]
            for c, value in enumerate(values):
                if value is None:
                    sheet.write_blank(r, c, None)
                else:
                    sheet.write(r, c, value)
        sheet.set_column(1, 1, 50)
        detail = book.add_worksheet(_("Disaggregations")[:31])
        if rtl:
            detail.right_to_left()
        line = 0
        for item in data.breakdowns:
            detail.write(line, 0, f"{item.indicator.code} · {item.indicator.title} — "
                                  f"{_dimension_label(item.by[0])}", bold)
            line += 1
            for key in item.rows:
                value = item.cells[(key, item.columns[0])] if item.columns else None
                detail.write(line, 0, key)
                detail.write(line, 1, "" if value is None else value)
                line += 1
            detail.write(line, 0, _("Total"), bold)
            detail.write(line, 1, "" if item.total is None else item.total)
            line += 2
        regions = book.add_worksheet(_("Regions")[:31])
        names = {r.code: r.name for r in Region.objects.all()}
        regions.write_row(0, 0, [_("Region"), _("direct assistances"), _("medical assistances"),
                                 _("people reached")], bold)
        for r, (code, row) in enumerate(sorted(data.figures["by_region"].items()), start=1):
            regions.write(r, 0, names.get(code, _("Region not recorded")))
            for c, key in enumerate(("direct_assistances", "medical_assistances",
                                     "people_reached"), start=1):
                value = row.get(key)
                regions.write(r, c, "" if value is None else value)
        text = book.add_worksheet(_("Narrative")[:31])
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        text.set_column(0, 0, 30)
        text.set_column(1, 1, 100)
        for r, section in enumerate(data.narrative):
            text.write(r, 0, section.heading, bold)
            text.write(r, 1, section.body, wrap)
    book.close()
    return buffer.getvalue()


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def run_donor_report(job: Job, progress: Progress) -> dict[str, Any]:
    """The job handler: collect, render, store the file for the owner to download."""
    parameters = job.parameters
    programme = Programme.objects.get(pk=parameters["programme_id"])
    period = (ReportingPeriod.objects.get(pk=parameters["period_id"], programme=programme)
              if parameters.get("period_id") else None)
    language = parameters.get("language", "fr")
    output = parameters.get("format", "pdf")
    if language not in LANGUAGES or output not in FORMATS:
        raise ValueError("unknown language or format")
    progress(0, 1, _("Counting the results"))
    data = collect(programme, period, language, progress)
    progress(1, 2, _("Writing the report"))
    content = render_pdf(data) if output == "pdf" else render_xlsx(data)
    label = period.label if period else f"{programme.start.year}-{programme.end.year}"
    filename = f"rapport-{programme.code}-{label}-{language}.{output}".replace(" ", "_")
    stored = f"{job.pk}-{filename}"
    # Complete or absent: a full disk or a killed worker never leaves half a report to download.
    write_bytes_atomic(jobs_directory() / stored, content)
    job.result_file, job.result_filename = stored, filename
    progress(2, 2, _("Done"))
    return {"programme": programme.code, "period": label, "language": language,
            "format": output, "bytes": len(content), "indicators": len(data.table.rows)}
