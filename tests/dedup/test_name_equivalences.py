"""The mission adds the spellings its teams meet to the equivalents table, on a page;
every check and run uses them at once, in every process; a line that would make two
different names one is refused with the reason."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from himaya.audit.models import AuditEvent
from himaya.dedup import local_names, names
from himaya.dedup.compare import score_records
from himaya.dedup.models import NameEquivalent
from himaya.dedup.records import person_record
from himaya.dedup.registration import registration_check
from himaya.dedup.services import name_equivalent_add, name_equivalent_remove
from tests.registry.factories import make_person


@pytest.fixture(autouse=True)
def shipped_table_after():
    yield
    local_names.forget()  # the next tests read the shipped table only


def _name_level(a, b):
    local_names.sync()
    return {row.field: row.level for row in score_records([(a, b)])[0].fields}["name"]


def test_a_short_form_added_on_the_page_makes_two_records_one_name(world):
    kadiatou = make_person(world.partner_a, given_name="Kadiatou", family_name="Barry",
                           birth_year="1991", phone="", documents=[])
    kadi = make_person(world.partner_a, given_name="Kadi", family_name="Barry",
                       birth_year="1991", phone="", documents=[])
    before = _name_level(person_record(kadiatou), person_record(kadi))
    weight_before = score_records([(person_record(kadiatou), person_record(kadi))])[0].weight

    client = world.client_for("protection")
    response = client.post(reverse("dedup:name-list"), {
        "group": "Kadiatou", "variants": "Kadi, كادي", "related": "", "note": "Tanger, 2022"})
    assert response.status_code == 302

    row = NameEquivalent.objects.get()
    assert (row.variants, row.added_by) == ("Kadi|كادي", world.users["protection"])
    assert AuditEvent.objects.filter(action="dedup.names.add").exists()
    after = _name_level(person_record(kadiatou), person_record(kadi))
    assert after != before
    assert score_records([(person_record(kadiatou), person_record(kadi))])[0].weight > weight_before
    assert names.normalise("كادي").parts == ("kadiatou",)
    page = client.post(reverse("dedup:name-list"), {"name": "Kadi", "try": "1"}).content.decode()
    assert 'data-testid="name-tried"' in page and "kadiatou" in page and "Tanger, 2022" in page
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<" not in title and page.count('data-testid="name-import"') == 1

    # Removed: back to the shipped table at the next check.
    client.post(reverse("dedup:name-remove", args=[row.pk]))
    assert not NameEquivalent.objects.exists()
    assert AuditEvent.objects.filter(action="dedup.names.remove").exists()
    assert _name_level(person_record(kadiatou), person_record(kadi)) == before


def test_a_line_that_would_make_two_names_one_is_refused_and_changes_nothing(world):
    with pytest.raises(ValidationError) as error:
        # Mahmoud is another name than Mohamed, though both sound "mhmd".
        name_equivalent_add(actor=world.users["protection"], group="Mohamed", variants="Mahmoud")
    assert "mahmoud" in " ".join(error.value.messages).lower()
    with pytest.raises(ValidationError):
        name_equivalent_add(actor=world.users["protection"], group="Fatou Kiné", variants="Fatou")
    with pytest.raises(ValidationError, match="Nothing new|Rien de nouveau"):
        name_equivalent_add(actor=world.users["protection"], group="Mohamed", variants="Mohammed")
    assert not NameEquivalent.objects.exists()
    # The page says why, in the user's language, and keeps what was typed.
    client = world.client_for("protection")
    page = client.post(reverse("dedup:name-list"),
                       {"group": "Mohamed", "variants": "Mahmoud"}).content.decode()
    assert "Mahmoud" in page and "alert-danger" in page
    assert not NameEquivalent.objects.exists()


def test_an_added_spelling_joins_the_group_the_table_already_has(world):
    row = name_equivalent_add(actor=world.users["protection"], group="Fatoumata", variants="Fatou")
    local_names.sync()
    assert names.normalise("Fatou").parts == names.normalise("Fatimata").parts == ("fatoumata",)
    name_equivalent_remove(row=row, actor=world.users["protection"])
    local_names.sync()
    assert names.normalise("Fatou").parts == ("fatou",)


def test_every_process_picks_up_a_line_at_its_next_check(world):
    person = make_person(world.partner_a, given_name="Kadiatou", family_name="Barry",
                         birth_year="1991", phone="", documents=[])
    typed = {"given_name": "Kadi", "family_name": "Barry", "sex": "female", "birth_year": "1991"}
    registration_check(world.users["agent_a"], typed)  # this process has the shipped table
    # Another process (a worker) adds the line: the database changes, not this process.
    NameEquivalent.objects.create(group="Kadiatou", variants="Kadi")
    result = registration_check(world.users["agent_a"], typed)
    assert names.normalise("Kadi").parts == ("kadiatou",)
    assert person in [m.person for m in result.matches]
    name_row = {f.field: f for f in result.matches[0].score.fields}["name"]
    assert name_row.agreement == "agree"


def test_only_the_mission_edits_the_table(world):
    for key in ("coord_a", "agent_a", "me", "donor"):
        client = world.client_for(key)
        assert client.get(reverse("dedup:name-list")).status_code in (403, 404)
        client.post(reverse("dedup:name-list"), {"group": "Kadiatou", "variants": "Kadi"})
    assert not NameEquivalent.objects.exists()
    assert world.client_for("admin").get(reverse("dedup:name-list")).status_code == 200


def test_the_api_lists_adds_and_removes_with_the_same_checks(world):
    client = world.client_for("protection")
    url = reverse("api-dedup-name-list")
    created = client.post(url, {"group": "Kadiatou", "variants": "Kadi|Khadiatou"},
                          content_type="application/json")
    assert created.status_code == 201
    assert created.json()["added_by"] == "protection" and created.json()["variants"] == "Kadi|Khadiatou"
    refused = client.post(url, {"group": "Mohamed", "variants": "Mahmoud"},
                          content_type="application/json")
    assert refused.status_code == 400 and "mahmoud" in refused.json()["detail"].lower()
    assert [row["group"] for row in client.get(url).json()["results"]] == ["Kadiatou"]
    detail = reverse("api-dedup-name-detail", args=[created.json()["id"]])
    assert client.delete(detail).status_code == 204
    assert not NameEquivalent.objects.exists()
    assert AuditEvent.objects.filter(action="dedup.names.remove").exists()
    assert world.client_for("coord_a").get(url).status_code == 403


def test_the_registration_check_searches_under_the_other_spellings_too(world):
    person = make_person(world.partner_a, given_name="Kadiatou", family_name="Barry",
                         birth_year="1991", phone="", documents=[])
    # A year off by one: only the name's sounds can find her, and "Kadi" sounds otherwise.
    typed = {"given_name": "Kadi", "family_name": "Barry", "sex": "female", "birth_year": "1992",
             "nationality": "GN", "region": "01"}
    assert person not in [m.person for m in registration_check(world.users["agent_a"], typed).matches]
    name_equivalent_add(actor=world.users["protection"], group="Kadiatou", variants="Kadi")
    assert person in [m.person for m in registration_check(world.users["agent_a"], typed).matches]
    # Both ways: someone registered as "Kadi" is found when "Kadiatou" is typed.
    kadi = make_person(world.partner_a, given_name="Kadi", family_name="Camara",
                       birth_year="1985", phone="", documents=[])
    typed = {"given_name": "Kadiatou", "family_name": "Camara", "sex": "female", "birth_year": "1986",
             "nationality": "GN", "region": "01"}
    assert kadi in [m.person for m in registration_check(world.users["agent_a"], typed).matches]


def test_a_list_is_imported_all_or_nothing_and_exported_in_the_same_format(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = world.client_for("protection")
    url = reverse("dedup:name-list")

    def upload(text: str):
        return client.post(url, {"file": SimpleUploadedFile("names.csv", text.encode("utf-8"))})

    bad = ("group,variants,related,note\nKadiatou,Kadi|كادي,,Tanger\n"
           "Mohamed,Mahmoud,,\nRamatoulaye,,,\n")
    page = upload(bad).content.decode()
    assert 'data-testid="import-errors"' in page
    assert "3" in page and "4" in page and "Mahmoud" in page  # each bad line, with its reason
    assert not NameEquivalent.objects.exists()  # nothing half-written

    good = "\ufeffgroup,variants,related,note\nKadiatou,Kadi|كادي,,Tanger\nRamatoulaye,Rama,,\n"
    assert upload(good).status_code == 302
    assert list(NameEquivalent.objects.values_list("group", "variants", "note")) == [
        ("Kadiatou", "Kadi|كادي", "Tanger"), ("Ramatoulaye", "Rama", "")]
    assert upload(good).status_code == 302  # again: already known, nothing doubled
    assert NameEquivalent.objects.count() == 2

    exported = client.get(reverse("dedup:name-export"))
    assert exported["Content-Type"].startswith("text/csv")
    assert exported.content.decode() == ("group,variants,related\r\nKadiatou,Kadi|كادي,\r\n"
                                         "Ramatoulaye,Rama,\r\n")
    assert AuditEvent.objects.filter(action="dedup.names.export").exists()
    assert world.client_for("coord_a").get(reverse("dedup:name-export")).status_code == 403
    page = upload("given,family\nA,B\n").content.decode()
    assert 'data-testid="import-errors"' in page
    not_text = client.post(url, {"file": SimpleUploadedFile("names.csv", b"\xff\xfe\x00a")})
    assert "UTF-8" in not_text.content.decode()
    for broken in ("group,variants\nKadiatou,Ka\x00di\n", "group,variants\n" + "K" * 80 + ",Kadi\n"):
        page = upload(broken)
        assert page.status_code == 200 and 'data-testid="import-errors"' in page.content.decode()
    assert NameEquivalent.objects.count() == 2
