"""Donor and government viewers see progress — statuses, counts, percentages — and never
the association staff's names, phones or e-mails."""

import pytest

from himaya.capacity import services
from tests.capacity import builders as b

STAFF_NAME = "Fatima Zahra Bennani"


@pytest.fixture
def filled(world):
    roadmap = b.roadmap_of(world.partner_a)
    services.roadmap_transition(actor=world.users["coord_a"], roadmap=roadmap, transition="submit")
    services.roadmap_transition(actor=world.users["manager"], roadmap=roadmap, transition="validate")
    b.session_of(world.partner_a)
    return roadmap


def _pages(world, roadmap):
    return [
        f"/capacity/associations/{world.partner_a.pk}/",
        f"/capacity/roadmaps/{roadmap.pk}/",
        f"/capacity/roadmaps/{roadmap.pk}/timeline/",
        f"/capacity/sessions/{b.session_of(world.partner_a).pk}/",
        "/capacity/",
        "/capacity/sessions/",
        f"/api/v1/capacity/roadmaps/{roadmap.pk}/",
        "/api/v1/capacity/roadmaps/",
        "/api/v1/capacity/actions/",
        "/api/v1/capacity/assessments/summary/",
    ]


@pytest.mark.parametrize("role", ["donor", "government"])
def test_outside_viewers_see_progress_without_names(world, filled, role):
    client = world.client_for(role)
    for url in _pages(world, filled):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for secret in (STAFF_NAME, "fatima@example.org", "600000000", "coord_a"):
            assert secret not in body, (url, secret)
    data = client.get(f"/api/v1/capacity/roadmaps/{filled.pk}/").json()
    assert data["status"] == "validated"
    assert data["progress"]["total"] == 1
    assert set(data["objectives"][0]["actions"][0]) == {
        "id", "roadmap", "organisation", "objective", "title", "start", "end", "budget", "status",
        "progress", "completed_on",
    }


def test_mission_and_own_partner_see_the_staff(world, filled):
    for role in ("manager", "coord_a", "agent_a"):
        body = world.client_for(role).get(f"/capacity/associations/{world.partner_a.pk}/").content
        assert STAFF_NAME.encode() in body, role


def test_partner_b_lists_nothing_of_partner_a(world, filled):
    client = world.client_for("coord_b")
    assert client.get("/api/v1/capacity/roadmaps/").json()["results"] == []
    assert client.get("/api/v1/capacity/actions/").json()["results"] == []
    assert client.get(f"/capacity/roadmaps/{filled.pk}/").status_code == 404
