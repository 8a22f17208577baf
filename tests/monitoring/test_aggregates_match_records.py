"""The aggregates the results read (delivery cube, reach cube) give exactly what a plain
GROUP BY on the records gives, on random records, and follow the records when they change."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from himaya.monitoring import aggregates, measures
from himaya.monitoring.measures import Window
from himaya.monitoring.models import AggregateState, ReportingPeriod
from himaya.reference.models import Region
from tests.factories import AgreementFactory, OrganisationFactory, ProgrammeFactory
from tests.monitoring import builders as b

TYPES = ["food-kit", "hygiene-kit", "medical-assistance"]
DEFINITIONS = [
    {"kind": "deliveries"},
    {"kind": "deliveries", "categories": ["food", "hygiene", "non_food"]},
    {"kind": "deliveries", "types": ["medical-assistance"]},
    {"kind": "value_delivered"},
    {"kind": "distinct_people"},
    {"kind": "distinct_households"},
    {"kind": "regions_covered"},
]


def _random_records(seed: int) -> tuple:
    rng = random.Random(seed)
    programme = ProgrammeFactory(start=dt.date(2020, 1, 1), end=dt.date(2022, 12, 31))
    other_programme = ProgrammeFactory(code=f"other-{seed}", start=dt.date(2021, 1, 1),
                                       end=dt.date(2021, 12, 31))
    partners = [OrganisationFactory(code=f"p{seed}-{i}",
                                    region=Region.objects.get(code=rng.choice(["01", "04", "06"])))
                for i in range(3)]
    for partner in partners:
        AgreementFactory(partner=partner, programme=programme)
    for label, start, end in (("S1", (2020, 1, 1), (2020, 6, 30)), ("S2", (2020, 7, 1),
                              (2021, 12, 31)), ("Y3", (2022, 1, 1), (2022, 12, 31))):
        ReportingPeriod.objects.create(programme=programme, label=label, start=dt.date(*start),
                                       end=dt.date(*end))
    people = []
    for _ in range(rng.randint(10, 25)):
        partner = rng.choice(partners)
        people.append(b.person(
            partner, sex=rng.choice(["female", "male", "other"]),
            birth_year=rng.choice([None, 1950, 1985, 2000, 2004, 2015]),
            region=rng.choice([None, "01", "04"]), nationality=rng.choice([None, "GN", "CI"])))
    homes = [b.household(partners[0], people[i:i + 2]) for i in (0, 3, 6)]
    for _ in range(rng.randint(20, 60)):
        partner = rng.choice(partners)
        day = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 3 * 365 - 1))
        target = ({"household": rng.choice(homes)} if rng.random() < 0.2
                  else {"to": rng.choice(people)})
        b.deliver(rng.choice([programme, other_programme]) if rng.random() < 0.2 else programme,
                  partner, rng.choice(TYPES), day, **target)
    return programme, other_programme


def _windows(programme) -> list[Window]:  # noqa: ANN001
    windows = [Window(programme), Window(None), Window(programme, programme.start, programme.end),
               Window(None, dt.date(2021, 1, 1), dt.date(2021, 12, 31))]
    windows += [Window(programme, p.start, p.end) for p in programme.reporting_periods.all()]
    return windows


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_measure_read_from_the_aggregates_equals_the_records(db, seed):  # noqa: ANN001
    programme, other = _random_records(seed)
    compared = 0
    for definition in DEFINITIONS:
        kind = measures.kind_of(definition)
        splits = [()] + [(d,) for d in kind.dimensions if d != "vulnerability"]
        splits += [("sex", "age_group")] if "age_group" in kind.dimensions else []
        for window in [*_windows(programme), Window(other)]:
            for by in splits:
                with aggregates.records_only():
                    expected = measures.compute(definition, window, by)
                got = measures.compute(definition, window, by)
                assert got == expected, (definition, window, by)
                compared += 1
    assert AggregateState.objects.get().cuts  # the figures above came from the aggregates
    assert compared > 100


def test_aggregates_follow_new_and_removed_records(db):  # noqa: ANN001
    programme, _other = _random_records(7)
    whole = Window(programme)
    before = measures.total({"kind": "deliveries"}, whole)
    partner = OrganisationFactory(code="late")
    late = b.deliver(programme, partner, "food-kit", dt.date(2022, 5, 1), to=b.person(partner))
    assert measures.total({"kind": "deliveries"}, whole) == before + 1
    late.delete()
    assert measures.total({"kind": "deliveries"}, whole) == before


def test_a_window_cutting_a_bucket_is_counted_from_the_records(db):  # noqa: ANN001
    programme, _other = _random_records(4)
    window = Window(programme, dt.date(2020, 2, 10), dt.date(2021, 3, 3))
    state = aggregates.current_state()
    assert state is not None and state.buckets_for(window.start, window.end) is None
    with aggregates.records_only():
        expected = measures.compute({"kind": "distinct_people"}, window, ["sex"])
    assert measures.compute({"kind": "distinct_people"}, window, ["sex"]) == expected


def test_figures_stay_at_most_max_staleness_old_and_refresh_results_catches_up(
        db, monkeypatch):  # noqa: ANN001
    from io import StringIO

    from django.core.management import call_command

    programme, _other = _random_records(5)
    whole = Window(programme)
    monkeypatch.setattr(aggregates, "MAX_STALENESS", 3600)
    before = measures.total({"kind": "deliveries"}, whole)
    partner = OrganisationFactory(code="later")
    b.deliver(programme, partner, "food-kit", dt.date(2022, 6, 1), to=b.person(partner))
    # Within the staleness bound, the aggregates are read as they were rebuilt...
    assert measures.total({"kind": "deliveries"}, whole) == before
    out = StringIO()
    call_command("refresh_results", "--if-changed", stdout=out)
    assert "Aggregates v2" in out.getvalue()
    # ... and the scheduled rebuild brings the new delivery in.
    assert measures.total({"kind": "deliveries"}, whole) == before + 1
    out = StringIO()
    call_command("refresh_results", "--if-changed", stdout=out)
    assert "Aggregates v2" in out.getvalue()  # nothing changed: not rebuilt
