"""P16: retention periods in settings; the purge anonymises what expired and keeps the figures."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from himaya.assistance.proofs import proof_add
from himaya.audit.models import AuditEvent
from himaya.dedup.models import RegistrationAlert
from himaya.monitoring import aggregates, measures
from himaya.protection.models import Anonymisation, ErasureRequest
from himaya.protection.services import erasure_request_decide, erasure_request_record, purge_expired
from himaya.registry.models import IdempotencyRecord, Person, PersonDocument, SearchKey
from himaya.registry.queries import people_search
from himaya.reporting.figures import protect_figures, raw_counts
from himaya.vouchers.models import Voucher
from tests.assistance.factories import deliver, programme_of, referral_of
from tests.registry.factories import make_person

pytestmark = pytest.mark.django_db

OLD = timezone.now() - dt.timedelta(days=8 * 365)
OLD_NAMES = ["Mariama", "Aissatou", "Kadiatou", "Fatoumata", "Hawa", "Oumou", "Salimata"]


def _age(person: Person) -> None:
    Person.objects.filter(pk=person.pk).update(registered_at=OLD, updated_at=OLD)


def _raw(person_id: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute("SELECT code, given_name, family_name, phone, phone_index, name_index, birth_date,"
                       " sex, birth_year, region_id FROM registry_person WHERE id = %s", [person_id])
        return cursor.fetchone()


@pytest.fixture
def caseload(world):  # noqa: ANN001, ANN201
    """Seven people last seen eight years ago (deliveries then), two seen this year."""
    cache.clear()
    old, recent = [], []
    for index in range(7):
        person = make_person(world.partner_a, given_name=OLD_NAMES[index], phone=f"061234560{index}",
                             documents=[{"kind": "passport", "number": f"GN77{index}0000"}],
                             birth_date=f"199{index}-03-0{index + 1}", birth_year=f"199{index}",
                             region="01" if index < 5 else "06")
        delivery = deliver(world.partner_a, person, code="food-voucher")
        type(delivery).objects.filter(pk=delivery.pk).update(delivered_on=OLD.date())
        Voucher.objects.filter(person=person).update(issued_at=OLD, status_changed_at=OLD)
        _age(person)
        old.append(person)
    referral_of(world.partner_a, old[0], notes="grossesse, suivi prénatal")
    RegistrationAlert.objects.create(organisation=world.partner_b, matched=old[3], weight=12.0,
                                     name_index=old[3].name_index)
    pdf = b"%PDF-1.4 receipt"
    proof_add(actor=None, referral=old[0].referrals.get(), file=io.BytesIO(pdf),
              name="recu Mariama.pdf", size=len(pdf))
    type(old[0].referrals.get()).objects.filter(person=old[0]).update(referred_on=OLD.date())
    for index in range(2):
        person = make_person(world.partner_a, given_name=["Binta", "Ramatou"][index],
                             phone=f"066666660{index}")
        deliver(world.partner_a, person, code="food-voucher",
                on=timezone.localdate() - dt.timedelta(days=20))
        _age(person)  # registered long ago, but assisted this year: still active
        recent.append(person)
    return old, recent


def test_periods_come_from_settings_and_the_environment(settings, monkeypatch):
    from himaya.environment import env_int

    assert set(settings.HIMAYA_RETENTION_DAYS) == {"caseload", "replay", "security_log", "files"}
    monkeypatch.setenv("HIMAYA_RETENTION_CASELOAD_DAYS", "400")
    assert env_int("HIMAYA_RETENTION_CASELOAD_DAYS", 1) == 400


INDICATORS = [({"kind": "deliveries"}, ()), ({"kind": "distinct_people"}, ()),
              ({"kind": "value_delivered"}, ()), ({"kind": "distinct_people"}, ("sex",))]


def _indicator_actuals(world) -> list:  # noqa: ANN001
    """What the results pages publish, over every programme and date, counted afresh."""
    aggregates.refresh(force=True)
    windows = [measures.Window(None), measures.Window(programme_of(world.partner_a))]
    return [measures.compute(definition, window, by) for window in windows
            for definition, by in INDICATORS]


def test_purge_anonymises_the_expired_and_keeps_published_figures(world, caseload, settings):
    old, recent = caseload
    before = protect_figures(raw_counts())
    raw_before = raw_counts()
    actuals_before = _indicator_actuals(world)
    # People reached: the seven long gone and the two recent are all counted.
    assert actuals_before[1].get((), 0) == 9
    assert before["people_reached"] is not None

    preview = purge_expired(dry_run=True)
    assert sorted(preview.people) == sorted(p.pk for p in old)
    assert not Anonymisation.objects.exists()
    assert _raw(old[1].pk)[1] not in ("", "Aissatou")  # encrypted, and there

    report = purge_expired()
    assert sorted(report.people) == sorted(p.pk for p in old)
    for person in old:
        code, given, family, phone, phone_index, name_index, birth_date, sex, year, region = _raw(person.pk)
        assert (given, family, phone, phone_index, name_index, birth_date) == ("", "", "", "", "", "")
        assert (code, sex, year, region) == (person.code, person.sex, person.birth_year, person.region_id)
        assert not PersonDocument.objects.filter(person=person).exists()
        assert not SearchKey.objects.filter(person=person).exists()
    assert old[0].referrals.get().clinical_notes == ""
    assert not RegistrationAlert.objects.filter(matched=old[3]).exclude(name_index="").exists()
    proof = old[0].referrals.get().proofs.get()
    assert "Mariama" not in proof.original_name and proof.file  # the receipt stays, unnamed
    assert Person.objects.get(pk=recent[0].pk).given_name == "Binta"
    assert people_search(world.users["agent_a"], "Aissatou") == []
    assert people_search(world.users["agent_a"], "Ramatou") == [Person.objects.get(pk=recent[1].pk)]
    events = AuditEvent.objects.filter(action="person.anonymise.retention")
    assert sorted(int(e.object_id) for e in events) == sorted(p.pk for p in old)
    assert AuditEvent.objects.filter(action="retention.purge").count() == 1

    # What was published before is what is published after.
    cache.clear()
    assert raw_counts() == raw_before
    assert protect_figures(raw_counts()) == before
    assert _indicator_actuals(world) == actuals_before

    # Idempotent: nothing left to do, nothing more written.
    again = purge_expired()
    assert again.people == []
    assert events.count() == len(old)


def test_a_legal_hold_keeps_a_person_out_of_the_purge(world, caseload):
    old, _recent = caseload
    held = old[2]
    request = erasure_request_record(actor=world.users["protection"], person=held,
                                     received_on=dt.date.today(), channel="in_person")
    erasure_request_decide(actor=world.users["protection"], request=request, decision="refuse",
                           refusal_ground=ErasureRequest.RefusalGround.LEGAL_HOLD)
    Person.objects.filter(pk=held.pk).update(updated_at=OLD)
    report = purge_expired()
    assert held.pk not in report.people
    assert Person.objects.get(pk=held.pk).given_name == "Kadiatou"


def test_the_command_reports_and_a_dry_run_changes_nothing(world, caseload):
    old, _recent = caseload
    replay = IdempotencyRecord.objects.create(user=world.users["agent_a"], key="k", request_hash="h",
                                              status_code=201, response="{}")
    IdempotencyRecord.objects.filter(pk=replay.pk).update(created_at=OLD)
    out = io.StringIO()
    call_command("purge_expired", "--dry-run", stdout=out)
    assert f"{len(old)} people would be anonymised; 1 replays" in out.getvalue()
    assert IdempotencyRecord.objects.filter(pk=replay.pk).exists()
    assert not Anonymisation.objects.exists()
    call_command("purge_expired", stdout=out)
    assert not IdempotencyRecord.objects.filter(pk=replay.pk).exists()
    assert Anonymisation.objects.count() == len(old)
