"""Before a person is saved, likely duplicates are shown; another partner's people never are."""

from __future__ import annotations

from django.urls import reverse

from himaya.dedup.models import CandidatePair, RegistrationAlert
from himaya.dedup.registration import registration_check
from tests.registry.factories import make_person, person_raw

TYPED = {"given_name": "Fatimata", "family_name": "Diallo", "sex": "female",
         "birth_year": "1994", "phone": "06 12 34 56 78"}


def _registered(world):
    return make_person(world.partner_a, world.users["agent_a"], given_name="Fatoumata",
                       family_name="Diallo", birth_precision="exact", birth_date="1994-05-12",
                       birth_year="1994", phone="+212612345678", documents=[])


def _noise(world):
    # Same family name, other people: they must not be proposed.
    make_person(world.partner_a, given_name="Mamadou", family_name="Diallo", sex="male",
                birth_year="1960", phone="0600000001", documents=[])
    make_person(world.partner_a, given_name="Aissatou", family_name="Bah", birth_year="1994",
                phone="0600000002", documents=[])


def test_the_obvious_duplicate_is_found_in_the_users_scope(world):
    person = _registered(world)
    _noise(world)
    registration_check(world.users["agent_a"], TYPED)  # the first check of a process loads the model
    result = registration_check(world.users["agent_a"], TYPED)
    assert [m.person for m in result.matches] == [person]
    assert result.elsewhere is False
    fields = {f.field: f.agreement for f in result.matches[0].score.fields}
    assert fields["name"] == "agree" and fields["phone"] == "agree"
    # Speed is measured by bench/dedup/registration_check.py on 100,000 people, not here:
    # a shared CI machine makes a timing assertion flaky.


def test_swapped_names_and_arabic_script_are_found_too(world):
    person = _registered(world)
    swapped = {**TYPED, "given_name": "Diallo", "family_name": "Fatoumata", "phone": ""}
    assert person in [m.person for m in registration_check(world.users["agent_a"], swapped).matches]
    mohamed = make_person(world.partner_a, given_name="Mohamed", family_name="Traoré", sex="male",
                          birth_year="1988", phone="", documents=[])
    arabic = {"given_name": "محمد", "family_name": "Traore", "sex": "male", "birth_year": "1988"}
    assert mohamed in [m.person for m in registration_check(world.users["agent_a"], arabic).matches]


def test_the_registration_form_shows_the_possible_duplicate(world):
    person = _registered(world)
    client = world.client_for("agent_a")
    form = client.get(reverse("registry:person-register")).content.decode()
    assert reverse("dedup:registration-check") in form
    response = client.post(reverse("dedup:registration-check"), TYPED)
    body = response.content.decode()
    assert response.status_code == 200
    assert person.code_display in body and 'data-testid="possible-duplicates"' in body


def test_partner_b_learns_only_that_a_duplicate_exists_and_the_mission_is_alerted(world):
    person = _registered(world)
    client = world.client_for("coord_b")
    body = client.post(reverse("dedup:registration-check"), TYPED).content.decode()
    assert 'data-testid="duplicate-elsewhere"' in body
    assert person.code_display not in body and "Fatoumata" not in body
    assert world.partner_a.name_fr not in body

    api = client.post(reverse("api-dedup-registration-check"), TYPED, content_type="application/json")
    assert api.status_code == 200
    assert api.json()["possible_duplicates"] == [] and api.json()["elsewhere"] is True
    assert person.code not in api.content.decode()

    alert = RegistrationAlert.objects.get()
    assert alert.matched == person and alert.organisation == world.partner_b
    assert alert.new_person is None
    # Partner B registers the person anyway: the mission's officer gets a pair to review.
    new = make_person(world.partner_b, world.users["coord_b"],
                      **{k: v for k, v in TYPED.items() if k != "phone"}, phone="0612345678",
                      documents=[])
    alert.refresh_from_db()
    assert alert.new_person == new and alert.pair is not None
    pair = CandidatePair.objects.get()
    assert pair.cross_partner and pair.source == "registration"
    assert {pair.person_low_id, pair.person_high_id} == {person.pk, new.pk}

    protection = world.client_for("protection")
    assert new.code_display in protection.get(reverse("dedup:alert-list")).content.decode()
    assert protection.get(reverse("dedup:pair-detail", args=[pair.pk])).status_code == 200
    # Neither partner coordinator sees a pair that straddles two caseloads.
    for key in ("coord_a", "coord_b"):
        queue = world.client_for(key).get(reverse("dedup:review-queue")).content.decode()
        assert person.code_display not in queue and new.code_display not in queue
        assert world.client_for(key).get(
            reverse("dedup:pair-detail", args=[pair.pk])).status_code == 404


def test_the_api_answers_a_registrar_with_codes_and_levels(world):
    person = _registered(world)
    response = world.client_for("agent_a").post(
        reverse("api-dedup-registration-check"), person_raw(**TYPED, documents=[]),
        content_type="application/json")
    data = response.json()
    assert response.status_code == 200
    assert [d["code"] for d in data["possible_duplicates"]] == [person.code_display]
    assert {f["field"] for f in data["possible_duplicates"][0]["fields"]} >= {"name", "phone"}
