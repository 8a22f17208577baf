"""The demo's capacity layer tells the seed's story: 15 associations, assessment histories,
roadmaps at their stages by the end of 2022, trainings, and the closing event."""

import datetime as dt
import time
from collections import Counter

import pytest

from himaya.capacity import queries
from himaya.capacity.models import Assessment, Event, Roadmap, RoadmapStatus
from himaya.scenario import capacity, foundation
from himaya.scenario.world import DemoWorld


@pytest.fixture
def demo(db):
    world = DemoWorld()
    foundation.build(world)
    started = time.monotonic()
    capacity.build(world)
    world["capacity_seconds"] = time.monotonic() - started
    return world


def test_capacity_layer(demo):
    assert demo["capacity_seconds"] < 20
    roadmaps = Roadmap.objects.all()
    assert roadmaps.count() == 15
    stages = Counter(roadmaps.values_list("status", flat=True))
    assert stages[RoadmapStatus.VALIDATED] > stages[RoadmapStatus.SUBMITTED] > 0
    assert stages[RoadmapStatus.DRAFT] in (1, 2)
    per_association = Counter(Assessment.objects.values_list("organisation_id", flat=True))
    assert len(per_association) == 15 and set(per_association.values()) <= {2, 3}
    assert all(2019 <= a.year <= 2022 for a in Assessment.objects.values_list("assessed_on", flat=True))
    validated = queries.associations_with_validated_roadmap(
        programme=demo["programme"], start=dt.date(2019, 1, 1), end=dt.date(2022, 12, 31))
    assert validated.count() == stages[RoadmapStatus.VALIDATED]
    trained = queries.people_trained_by_sex(programme=demo["programme"])
    assert trained["f"] > 0 and trained["m"] > 0
    closing = Event.objects.get()
    local = closing.starts_at.astimezone(dt.timezone(dt.timedelta(hours=1)))
    assert (local.date(), local.hour, local.minute) == (dt.date(2022, 12, 16), 9, 30)
    assert "Orient-Occident" in closing.place and closing.agenda.count() >= 4
    assert closing.articles.get().slug == "cloture-nationale-rdpp-maroc"
