"""The M&E officer edits definitions and targets as data; hand-entered values need evidence;
data-quality checks point at the records to fix; outsiders read protected tables."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse

from himaya.audit.models import AuditEvent
from himaya.monitoring import services
from himaya.monitoring.models import Indicator, ManualValue, Target
from himaya.monitoring.queries import results_table
from himaya.reference.models import Region
from tests.factories import OrganisationFactory
from tests.monitoring import builders as b


@pytest.fixture
def programme(world):  # noqa: ANN001, ANN201
    cache.clear()
    programme = world.partner_a.agreements.first().programme
    for year in (2020, 2021):
        services.period_create(actor=None, programme=programme, label=str(year),
                               start=dt.date(year, 1, 1), end=dt.date(year, 12, 31))
    yield programme
    cache.clear()


def _form(programme, **overrides):  # noqa: ANN001, ANN202
    periods = list(programme.reporting_periods.all())
    data = {"code": "1.1", "title_fr": "Kits alimentaires", "unit": "kits", "baseline": "0",
            "method": "computed", "definition": '{"kind": "deliveries", "types": ["food-kit"]}',
            "disaggregations": ["sex", "region"], "counts_people": "on",
            f"target_{periods[0].pk}": "10", f"target_{periods[1].pk}": "20"}
    data.update(overrides)
    return data


def test_me_officer_creates_a_computed_indicator_with_targets(world, programme):
    client = world.client_for("me")
    response = client.post(reverse("monitoring:indicator-create", kwargs={"pk": programme.pk}),
                           _form(programme))
    indicator = Indicator.objects.get(programme=programme, code="1.1")
    assert response.status_code == 302
    assert indicator.definition == {"kind": "deliveries", "types": ["food-kit"]}
    assert sorted(Target.objects.filter(indicator=indicator).values_list("value", flat=True)) == [10, 20]
    assert AuditEvent.objects.filter(action="monitoring.indicator.save").exists()
    for _ in range(7):
        b.deliver(programme, world.partner_a, "food-kit", dt.date(2021, 4, 1),
                  to=b.person(world.partner_a))
    cache.clear()
    row = results_table(programme, protected=False).rows[0]
    assert [c.actual for c in row.cells] == [0, 7]
    assert row.cells[1].percent == 35


def test_a_bad_definition_is_refused_in_the_users_language_and_nothing_is_saved(world, programme):
    client = world.client_for("me")
    client.cookies["himaya_language"] = "fr"
    response = client.post(reverse("monitoring:indicator-create", kwargs={"pk": programme.pk}),
                           _form(programme, definition='{"kind": "magic"}'))
    assert response.status_code == 400
    assert "Type inconnu magic" in response.content.decode()
    response = client.post(reverse("monitoring:indicator-create", kwargs={"pk": programme.pk}),
                           _form(programme, definition="{not json"))
    assert response.status_code == 400
    assert "JSON valide" in response.content.decode()
    assert not Indicator.objects.exists()


def test_a_hand_entered_value_needs_its_evidence(world, programme):
    indicator = services.indicator_save(actor=None, programme=programme, code="2.0",
                                        title_fr="Comités", method="manual", counts_people=False)
    period = programme.reporting_periods.first()
    client = world.client_for("manager")
    url = reverse("monitoring:manual-value", kwargs={"pk": indicator.pk})
    assert client.post(url, {"period": period.pk, "value": "3", "evidence": " "}).status_code == 400
    assert not ManualValue.objects.exists()
    assert client.post(url, {"period": period.pk, "value": "3",
                             "evidence": "PV du comité"}).status_code == 302
    assert ManualValue.objects.get().evidence == "PV du comité"
    # Committees are not people: the donor sees the 3.
    row = results_table(programme, protected=True).rows[0]
    assert row.cells[0].actual == 3 and not row.cells[0].suppressed


def test_outsiders_read_suppressed_small_counts(world, programme):
    indicator = services.indicator_save(
        actor=None, programme=programme, code="1.1", title_fr="Kits",
        definition={"kind": "deliveries", "types": ["food-kit"]}, disaggregations=["sex"])
    for _ in range(3):
        b.deliver(programme, world.partner_a, "food-kit", dt.date(2020, 4, 1),
                  to=b.person(world.partner_a))
    for _ in range(9):
        b.deliver(programme, world.partner_a, "food-kit", dt.date(2021, 4, 1),
                  to=b.person(world.partner_a, sex="male"))
    mission = results_table(programme, protected=False).rows[0]
    donor = results_table(programme, protected=True).rows[0]
    assert [c.actual for c in mission.cells] == [3, 9]
    assert donor.cells[0].actual is None and donor.cells[0].suppressed
    page = world.client_for("donor").get(
        reverse("monitoring:indicator", kwargs={"pk": indicator.pk}) + "?by=sex").content.decode()
    assert "<code>" not in page  # no definition internals for outsiders
    assert ">3<" not in page


def test_data_quality_links_to_the_records_to_fix(world, programme):
    manager = world.client_for("manager")
    outside = OrganisationFactory(code="far", region=Region.objects.get(code="09"))
    person = b.person(world.partner_a, sex="not_stated", birth_year=None)
    b.deliver(programme, world.partner_a, "food-kit", dt.date(2018, 1, 1), to=person)
    b.deliver(programme, outside, "food-kit", dt.date(2021, 1, 1), to=b.person(outside))
    page = manager.get(reverse("monitoring:quality", kwargs={"pk": programme.pk})).content.decode()
    assert 'data-check="missing_sex_or_age"' in page
    assert person.code_display in page
    assert reverse("registry:person-detail", kwargs={"pk": person.pk}) in page
    from himaya.monitoring.quality import run_checks

    counts = {check.code: check.count for check in run_checks(programme)}
    assert counts["missing_sex_or_age"] == 1
    assert counts["outside_period"] == 1
    assert counts["outside_regions"] == 1
    # partner_b has an agreement but recorded nothing.
    assert counts["silent_partners"] == 1


def test_results_api_protects_for_the_donor(world, programme):
    services.indicator_save(
        actor=None, programme=programme, code="1.1", title_fr="Kits",
        definition={"kind": "deliveries", "types": ["food-kit"]})
    for _ in range(2):
        b.deliver(programme, world.partner_a, "food-kit", dt.date(2020, 4, 1),
                  to=b.person(world.partner_a))
    url = reverse("api-monitoring-programme-results", kwargs={"pk": programme.pk})
    mine = world.client_for("me").get(url).json()
    theirs = world.client_for("donor").get(url).json()
    assert mine["indicators"][0]["periods"][0]["actual"] == "2.00"
    assert theirs["protected"] and theirs["indicators"][0]["periods"][0]["actual"] is None
    assert theirs["indicators"][0]["periods"][0]["suppressed"] is True
    assert world.client_for("coord_a").get(url).status_code == 403
