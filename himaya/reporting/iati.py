"""An IATI 2.03 activity file for a programme, with its results (targets and actuals per period).

The figures are those of the results table after disclosure control, as any outsider sees
them: a suppressed actual is left out and says why in a comment. Element order follows the
schema's sequences (a test validates the file against the official XSD).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from xml.etree import ElementTree as ET  # noqa: S405 - we write XML, never parse input

from django.utils import timezone

from himaya.environment import env_str
from himaya.monitoring.models import Indicator
from himaya.monitoring.queries import results_table
from himaya.organisations.models import Programme

# The reporting organisation's IATI identifier (IOM's is XM-DAC-47066) and type (40: multilateral).
ORG_REF = env_str("HIMAYA_IATI_ORG_REF", "XM-DAC-47066")
ORG_TYPE = env_str("HIMAYA_IATI_ORG_TYPE", "40")
# DAC 5 sector 15190: facilitation of orderly, safe, regular and responsible migration.
SECTOR_CODE = "15190"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
LANGUAGES = ("fr", "en", "ar")


def _narratives(parent: ET.Element, obj: object, field: str) -> None:
    written = False
    for language in LANGUAGES:
        text = getattr(obj, f"{field}_{language}", "")
        if text:
            ET.SubElement(parent, "narrative", {XML_LANG: language}).text = text
            written = True
    if not written:
        ET.SubElement(parent, "narrative").text = str(obj)


def _text(parent: ET.Element, tag: str, text: str, language: str = "en") -> ET.Element:
    element = ET.SubElement(parent, tag)
    ET.SubElement(element, "narrative", {XML_LANG: language}).text = text
    return element


def _number(value: Decimal | int) -> str:
    value = Decimal(value)
    return str(value.quantize(Decimal(1))) if value == value.to_integral() else str(value)


def identifier(programme: Programme) -> str:
    return f"{ORG_REF}-{programme.code}"


def _activity_status(programme: Programme, today: dt.date) -> str:
    if today < programme.start:
        return "1"  # pipeline
    return "2" if today <= programme.end else "4"  # implementation / post-completion


def activity_xml(programmes: list[Programme]) -> bytes:
    now = timezone.now()
    root = ET.Element("iati-activities", {
        "version": "2.03", "generated-datetime": now.replace(microsecond=0).isoformat(),
    })
    for programme in programmes:
        _activity(root, programme, now)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _activity(root: ET.Element, programme: Programme, now: dt.datetime) -> None:
    activity = ET.SubElement(root, "iati-activity", {
        "last-updated-datetime": now.replace(microsecond=0).isoformat(),
        XML_LANG: "fr", "default-currency": getattr(programme.currency, "code", "") or "MAD",
    })
    ET.SubElement(activity, "iati-identifier").text = identifier(programme)
    reporting = ET.SubElement(activity, "reporting-org", {"ref": ORG_REF, "type": ORG_TYPE})
    _narratives(reporting, programme.lead, "name")
    _narratives(ET.SubElement(activity, "title"), programme, "title")
    description = ET.SubElement(activity, "description", {"type": "1"})
    if programme.description_fr or programme.description_en or programme.description_ar:
        _narratives(description, programme, "description")
    else:
        _narratives(description, programme, "title")
    for donor in programme.donors.all():
        _narratives(ET.SubElement(activity, "participating-org", {"role": "1", "type": "40"}),
                    donor, "name")
    _narratives(ET.SubElement(activity, "participating-org",
                              {"role": "4", "ref": ORG_REF, "type": ORG_TYPE}),
                programme.lead, "name")
    for counterpart in programme.counterparts.all():
        _narratives(ET.SubElement(activity, "participating-org", {"role": "2", "type": "10"}),
                    counterpart, "name")
    partners = {a.partner for a in programme.agreements.select_related("partner")}
    for partner in sorted(partners, key=lambda p: p.code):
        _narratives(ET.SubElement(activity, "participating-org", {"role": "4", "type": "22"}),
                    partner, "name")
    ET.SubElement(activity, "activity-status", {"code": _activity_status(programme, now.date())})
    ET.SubElement(activity, "activity-date", {"type": "1", "iso-date": programme.start.isoformat()})
    ET.SubElement(activity, "activity-date", {"type": "3", "iso-date": programme.end.isoformat()})
    ET.SubElement(activity, "recipient-country", {"code": "MA", "percentage": "100"})
    ET.SubElement(activity, "sector", {"vocabulary": "1", "code": SECTOR_CODE})
    _results(activity, programme)


def _results(activity: ET.Element, programme: Programme) -> None:
    table = results_table(programme, protected=True)
    for outcome, groups in table.outcomes:
        for output, rows in groups:
            if not rows:
                continue
            result_type = "1" if output is not None else "2"  # output / outcome
            result = ET.SubElement(activity, "result",
                                   {"type": result_type, "aggregation-status": "false"})
            holder = output or outcome
            if holder is not None:
                _narratives(ET.SubElement(result, "title"), holder, "title")
            else:
                _text(result, "title", "Other indicators")
            for row in rows:
                _indicator(result, row, table.periods)


def _indicator(result: ET.Element, row: object, periods: list) -> None:
    indicator: Indicator = row.indicator  # type: ignore[attr-defined]
    measure = "2" if indicator.unit in {"%", "percent"} else "1"
    element = ET.SubElement(result, "indicator", {"measure": measure, "ascending": "true"})
    _narratives(ET.SubElement(element, "title"), indicator, "title")
    ET.SubElement(element, "reference", {"vocabulary": "99", "code": indicator.code})
    ET.SubElement(element, "baseline", {
        "year": str(periods[0].start.year if periods else indicator.programme.start.year),
        "value": _number(indicator.baseline),
    })
    for period, cell in zip(periods, row.cells, strict=True):  # type: ignore[attr-defined]
        if cell.target is None and cell.actual is None and not cell.suppressed:
            continue
        element_period = ET.SubElement(element, "period")
        ET.SubElement(element_period, "period-start", {"iso-date": period.start.isoformat()})
        ET.SubElement(element_period, "period-end", {"iso-date": period.end.isoformat()})
        if cell.target is not None:
            ET.SubElement(element_period, "target", {"value": _number(cell.target)})
        if cell.actual is not None:
            ET.SubElement(element_period, "actual", {"value": _number(cell.actual)})
        elif cell.suppressed:
            actual = ET.SubElement(element_period, "actual")
            _text(actual, "comment", "Not published: fewer than the disclosure threshold.")
