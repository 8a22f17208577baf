"""The coordinator keeps the association's profile and staff current; sessions record
participants by name or by counts; a follow-up becomes a roadmap action."""

import datetime as dt

from himaya.capacity.models import Action, AssociationProfile, FollowUp, Headcount, Session
from himaya.reference.models import SniaProgramme
from tests.capacity import builders as b


def test_coordinator_updates_own_profile(world):
    url = f"/capacity/associations/{world.partner_a.pk}/profile/"
    client = world.client_for("coord_a")
    response = client.post(url, {
        "legal_name": "Association Solidarité Tanger", "legal_form": "Association",
        "regions_of_work": [world.partner_a.region_id],
        "areas_of_work": [SniaProgramme.objects.get(code="health").pk],
        "contact_email": "contact@example.org",
    })
    assert response.status_code == 302
    profile = AssociationProfile.objects.get(organisation=world.partner_a)
    assert profile.legal_name == "Association Solidarité Tanger"
    assert list(profile.areas_of_work.values_list("code", flat=True)) == ["health"]
    assert world.client_for("coord_b").post(url, {"legal_name": "X"}).status_code == 404
    assert world.client_for("agent_a").post(url, {"legal_name": "X"}).status_code == 403
    profile.refresh_from_db()
    assert profile.legal_name == "Association Solidarité Tanger"


def test_bad_profile_input_changes_nothing(world):
    url = f"/capacity/associations/{world.partner_a.pk}/profile/"
    response = world.client_for("coord_a").post(url, {"legal_name": "", "contact_email": "nope"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not AssociationProfile.objects.exists()


def test_community_session_counts_people_without_names(world):
    url = f"/capacity/associations/{world.partner_a.pk}/sessions/new/"
    client = world.client_for("coord_a")
    response = client.post(url, {
        "kind": "community", "held_on": "2022-05-10", "place": "Maison de quartier",
        "topic": "Accès aux droits", "facilitator": "Animatrice", "count_f_25_59": "7",
        "count_m_18_24": "4",
    })
    assert response.status_code == 302, response.context["form"].errors
    session = Session.objects.get()
    assert sorted(Headcount.objects.values_list("sex", "age_group", "count")) == [
        ("f", "25-59", 7), ("m", "18-24", 4)]
    empty = client.post(url, {"kind": "training", "held_on": "2022-05-10", "place": "x",
                              "topic": "y", "facilitator": "z"})
    assert empty.status_code == 200 and Session.objects.count() == 1
    assert session.organisation == world.partner_a


def test_follow_up_becomes_a_roadmap_action(world):
    follow_up = b.follow_up_of(world.partner_a)
    objective = b.objective_of(world.partner_a)
    before = Action.objects.count()
    response = world.client_for("coord_a").post(
        f"/capacity/follow-ups/{follow_up.pk}/promote/",
        {"objective": objective.pk, "start": "2021-01-01", "end": "2021-06-30", "budget": "1000"},
    )
    assert response.status_code == 302
    follow_up = FollowUp.objects.get(pk=follow_up.pk)
    assert follow_up.action is not None and follow_up.action.objective == objective
    assert Action.objects.count() == before + 1


def test_events_list_the_closing_ceremony(world):
    event = b.event_of(world.partner_a)
    page = world.client_for("agent_a").get(f"/capacity/events/{event.pk}/")
    assert page.status_code == 200 and b"Orient-Occident" in page.content
    assert event.participants_total == 18
    assert event.starts_at.astimezone(dt.timezone(dt.timedelta(hours=1))).hour == 9
