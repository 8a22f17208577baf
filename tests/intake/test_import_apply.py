"""Applying an import: one transaction, idempotent, and a run killed half-way leaves nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from himaya.audit.models import AuditEvent
from himaya.intake import pipeline, registry_adapter
from himaya.registry import blind_index
from himaya.registry.models import Consent, Household, Person, SearchKey

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 29)


def write_csv(path, count, start=0):
    lines = ["external_id;given_name;family_name;sex;birth_date;nationality;phone;vulnerabilities;"
             "consent_registration;consent_follow_up"]
    for n in range(start, start + count):
        lines.append(f"k{n};Awa;Diallo;F;12/03/1990;SEN;+22177{n:07d};single-parent;oui;non")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(path, world, mode="all", **kwargs):
    return pipeline.apply_file(path, path.name, world.partner_a, actor=world.users["coord_a"], mode=mode,
                               today=TODAY, **kwargs)


def test_an_import_stores_people_as_the_registry_does(world, tmp_path):
    outcome = run(write_csv(tmp_path / "a.csv", 3), world)
    assert outcome.applied and outcome.created == 3
    person = Person.objects.get(external_id="k1")
    assert person.organisation == world.partner_a and person.registered_by == world.users["coord_a"]
    assert (person.given_name, person.family_name, person.phone) == ("Awa", "Diallo", "+221770000001")
    assert person.phone_index == blind_index.exact_digest("phone", "+221770000001")
    assert person.name_index and SearchKey.objects.filter(person=person).count() > 3
    assert [v.code for v in person.vulnerabilities.all()] == ["single-parent"]
    assert dict(person.consents.values_list("purpose", "status")) == {
        "registration": Consent.Status.GIVEN, "follow_up": Consent.Status.REFUSED}
    # Every person created has its audit event, which holds field names and no value.
    events = AuditEvent.objects.filter(action="person.register", object_id=str(person.pk))
    assert events.count() == 1 and "phone" in events.get().fields
    assert "Awa" not in str(events.get().fields)


def test_the_same_file_twice_creates_nothing_new(world, tmp_path):
    path = write_csv(tmp_path / "a.csv", 5)
    assert run(path, world).created == 5
    second = run(path, world)
    assert second.applied and second.created == 0 and second.report.unchanged == 5
    assert Person.objects.count() == 5
    assert AuditEvent.objects.filter(action="person.register").count() == 5


def test_rows_without_a_reference_are_keyed_by_their_data(world, tmp_path):
    path = tmp_path / "noref.csv"
    path.write_text("given_name;sex;consent_registration\nAwa;F;oui\nBinta;F;oui\n", encoding="utf-8")
    assert run(path, world).created == 2
    assert run(path, world).created == 0
    assert Person.objects.count() == 2
    assert all(p.external_id.startswith("import:") for p in Person.objects.all())


def test_a_reference_reused_for_other_data_is_a_problem_not_an_overwrite(world, tmp_path):
    run(write_csv(tmp_path / "a.csv", 2), world)
    changed = tmp_path / "b.csv"
    changed.write_text(
        "external_id;given_name;sex;consent_registration\nk0;Moussa;M;oui\n", encoding="utf-8")
    outcome = run(changed, world)
    assert not outcome.applied
    assert "imported before" in outcome.report.problems[0].reason or "importée" in outcome.report.problems[0].reason
    assert Person.objects.get(external_id="k0").given_name == "Awa"


def test_all_or_nothing_writes_nothing_when_a_row_is_bad(world, tmp_path):
    path = write_csv(tmp_path / "a.csv", 4)
    path.write_text(path.read_text() + "k9;;;F;;;;;oui;\n", encoding="utf-8")
    outcome = run(path, world)
    assert not outcome.applied and outcome.report.rejected == 1
    assert Person.objects.count() == 0
    valid = run(path, world, mode="valid_rows", rejected_path=tmp_path / "rejected.xlsx")
    assert valid.applied and valid.created == 4 and valid.rejected_file is not None


def test_an_import_killed_mid_apply_leaves_the_database_as_before_and_a_rerun_completes(
        world, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "big.csv", 2500)  # three batches of at most 1000
    monkeypatch.setattr(pipeline, "WRITE_BATCH", 1000)
    real = registry_adapter.people_register_batch
    calls = {"n": 0}

    def dies_on_the_second_batch(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("worker killed")  # not an Exception: like a SIGINT mid-write
        return real(**kwargs)

    monkeypatch.setattr(registry_adapter, "people_register_batch", dies_on_the_second_batch)
    before_events = AuditEvent.objects.count()
    with pytest.raises(KeyboardInterrupt):
        run(path, world)
    # The first batch had been written inside the transaction: it is gone with it.
    assert calls["n"] == 2
    assert Person.objects.count() == 0 and SearchKey.objects.count() == 0 and Consent.objects.count() == 0
    assert AuditEvent.objects.count() == before_events
    monkeypatch.setattr(registry_adapter, "people_register_batch", real)
    outcome = run(path, world)
    assert outcome.applied and outcome.created == 2500
    assert Person.objects.count() == 2500


def test_households_are_applied_with_their_members_and_only_once(world, bad_file):
    path = bad_file("households.csv")
    first = run(path, world, mode="valid_rows")
    assert first.households_created == 2
    second = run(path, world, mode="valid_rows")
    assert second.households_created == 0 and second.created == 0
    assert Household.objects.count() == 2
    assert Household.objects.get(external_id="import:M2").members.get().relationship == "head"


def test_imports_fill_only_the_organisation_they_are_run_for(world, tmp_path):
    run(write_csv(tmp_path / "a.csv", 2), world)
    # The same references in another partner's caseload are other people.
    outcome = pipeline.apply_file(tmp_path / "a.csv", "a.csv", world.partner_b, actor=world.users["coord_b"],
                                  mode="all", today=TODAY)
    assert outcome.created == 2
    assert Person.objects.filter(organisation=world.partner_a).count() == 2
    assert Person.objects.filter(organisation=world.partner_b).count() == 2


def test_a_person_imported_in_a_batch_is_stored_as_person_register_stores_them(world):
    """The batch path must not drift from the registry's own: same search keys, digests, consents."""
    from himaya.intake.row_cleaning import References  # noqa: F401 - reference tables loaded
    from himaya.reference.models import Country, Language
    from himaya.registry.services import person_register
    from himaya.registry.validation import person_data_validate

    raw = {"given_name": "Ousmane", "family_name": "N'Diaye", "other_names": "Osman", "sex": "male",
           "birth_date": "1990-03-12", "nationality": Country.objects.get(alpha3="SEN"),
           "languages": [Language.objects.get(code="wol")], "phone": "0612345678",
           "documents": [{"kind": "passport", "number": "A123", "issuing_country": "SN"}],
           "vulnerabilities": ["single-parent"],
           "consents": [{"purpose": "registration"}, {"purpose": "follow_up", "status": "refused"}]}
    data = person_data_validate(raw, today=TODAY)
    single = person_register(actor=world.users["coord_a"], organisation=world.partner_a, data=data,
                             external_id="single").person
    from django.db import transaction

    with transaction.atomic():
        ids = registry_adapter.people_register_batch(
            actor=world.users["coord_a"], organisation=world.partner_a,
            items=[("batch", data, registry_adapter.person_digest(data))])
    batch = Person.objects.get(pk=ids["batch"])

    def shape(person):
        return {
            "fields": [getattr(person, f) for f in ("given_name", "family_name", "other_names", "sex",
                                                     "birth_precision", "birth_date", "birth_year",
                                                     "birth_month", "nationality_id", "phone", "phone_index",
                                                     "name_index", "source_digest", "registered_by_id")],
            "search": sorted(person.search_keys.values_list("digest", flat=True)),
            "languages": sorted(person.languages.values_list("code", flat=True)),
            "vulnerabilities": sorted(person.vulnerabilities.values_list("code", flat=True)),
            "documents": sorted(person.documents.values_list("kind", "number", "number_index")),
            "consents": sorted(person.consents.values_list("purpose", "legal_basis", "status",
                                                           "collected_on", "collected_by")),
            "audit": sorted(AuditEvent.objects.get(action="person.register", object_id=str(person.pk)).fields),
        }

    assert shape(batch) == shape(single)
