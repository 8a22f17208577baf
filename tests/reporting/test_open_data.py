"""Open datasets: HXL tags parse with libhxl, IATI validates against the official schema,
the 5W matrix publishes no small cell, and the command line writes all three."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from himaya.monitoring import services
from himaya.monitoring.models import ReportingPeriod
from tests.factories import AgreementFactory, OrganisationFactory, ProgrammeFactory
from tests.monitoring import builders as b

IATI_DIR = Path(settings.REPO_DIR).parent / "shared" / "standards" / "iati-2.03"


@pytest.fixture
def programme(db):  # noqa: ANN001, ANN201
    cache.clear()
    programme = ProgrammeFactory(code="rdpp-test")
    partner = OrganisationFactory(code="asso")
    AgreementFactory(partner=partner, programme=programme)
    for year in (2020, 2021):
        for _ in range(8):
            b.deliver(programme, partner, "food-kit", dt.date(year, 3, 1), to=b.person(partner))
    b.deliver(programme, partner, "medical-assistance", dt.date(2021, 3, 1), to=b.person(partner))
    periods = [services.period_create(actor=None, programme=programme, label=str(y),
                                      start=dt.date(y, 1, 1), end=dt.date(y, 12, 31))
               for y in (2019, 2020, 2021, 2022)]
    kits = services.indicator_save(actor=None, programme=programme, code="1.1",
                                   title_fr="Kits", title_en="Kits",
                                   definition={"kind": "deliveries", "types": ["food-kit"]},
                                   end_target=20)
    medical = services.indicator_save(actor=None, programme=programme, code="1.2",
                                      title_fr="Médical", sensitive=True,
                                      definition={"kind": "deliveries", "categories": ["medical"]})
    for period in periods:
        services.target_set(actor=None, indicator=kits, period=period, value=5)
        services.target_set(actor=None, indicator=medical, period=period, value=1)
    yield programme
    cache.clear()


def test_hxl_csv_parses_with_libhxl_and_carries_the_tags(client, programme, tmp_path):
    hxl = pytest.importorskip("hxl")
    response = client.get(reverse("reporting:open-hxl"))
    assert response.status_code == 200
    path = tmp_path / "figures.csv"
    path.write_bytes(response.content)
    source = hxl.data(str(path), hxl.InputOptions(allow_local=True))
    tags = {column.tag for column in source.columns}
    assert {"#country", "#adm1", "#date", "#indicator", "#reached"} <= tags
    rows = list(source)
    assert rows, "no data rows"
    totals = {row.get("#date+year"): row.get("#indicator+num+direct_assistances") for row in rows}
    assert totals == {"2020": "8", "2021": "8"}
    # The single medical assistance (under ten) is not published.
    assert all(row.get("#indicator+num+medical_assistances") in ("", "0", None) for row in rows)


def test_iati_file_validates_against_the_official_schema(client, programme):
    xmlschema = pytest.importorskip("xmlschema")
    if not (IATI_DIR / "iati-activities-schema.xsd").exists():
        pytest.skip(f"the IATI 2.03 schemas are not at {IATI_DIR} (shared/standards)")
    response = client.get(reverse("reporting:open-iati", kwargs={"code": programme.code}))
    assert response.status_code == 200
    schema = xmlschema.XMLSchema(str(IATI_DIR / "iati-activities-schema.xsd"))
    schema.validate(response.content.decode())
    text = response.content.decode()
    assert "<iati-identifier>XM-DAC-47066-rdpp-test</iati-identifier>" in text
    assert '<actual value="8" />' in text and '<target value="5" />' in text
    # The medical actual of 1 is suppressed: said so, never printed.
    assert "Not published" in text


def test_iati_of_an_unknown_programme_is_not_found(client, db):
    assert client.get(reverse("reporting:open-iati", kwargs={"code": "nope"})).status_code == 404


def test_five_w_hides_small_cells(client, programme, tmp_path):
    import openpyxl

    response = client.get(reverse("reporting:open-5w"))
    path = tmp_path / "5w.xlsx"
    path.write_bytes(response.content)
    sheet = openpyxl.load_workbook(path)["5W"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert rows
    for row in rows:
        for value in row[6:]:
            assert value is None or value == 0 or value >= 5
    medical = [row for row in rows if row[1] == "medical-assistance"]
    assert all(row[-1] is None for row in medical)


def test_export_command_writes_the_three_files(programme, tmp_path):
    for kind, name in (("hxl", "a.csv"), ("iati", "a.xml"), ("5w", "a.xlsx")):
        call_command("export", kind, str(tmp_path / name))
        assert (tmp_path / name).stat().st_size > 100
    assert (tmp_path / "a.csv").read_text().splitlines()[1].startswith("#country+code")
    assert ReportingPeriod.objects.filter(programme=programme).count() == 4
