"""Retention purge and erasure requests (P16, P17): every write audited, each in one transaction.

Anonymising a person wipes what identifies them (encrypted identifiers, keyed hashes,
documents, versions, clinical notes) and keeps what reports count: the code, sex, year
and month of birth, nationality, place, vulnerabilities, consents, deliveries, referrals
and vouchers. So a published figure counted before the purge is the same after it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps as django_apps
from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from himaya.assistance.models import Delivery, DistributionTarget, Referral, ReferralProof
from himaya.audit.services import audit_record
from himaya.protection.models import Anonymisation, Cause, ErasureRequest
from himaya.registry.models import (
    IdempotencyRecord,
    Person,
    PersonDocument,
    PersonVersion,
    SearchKey,
)
from himaya.vouchers.models import Voucher

# What identifies a person, wiped by anonymisation; documents, search keys and versions
# (snapshots of former values) go with them.
IDENTIFIERS = ["given_name", "family_name", "other_names", "birth_date", "phone",
               "phone_index", "name_index", "source_digest"]
RELATED_IDENTIFIERS = ["documents", "search_keys", "versions", "referral.clinical_notes",
                       "referral_proof.original_name", "dedup.merge_snapshots"]
# What a partial erasure takes when identity must be kept (legal hold, open case):
# the ways to reach the person, not who they are. A merge's snapshot holds the phone too.
CONTACT_DETAILS = ["phone", "phone_index", "other_names", "dedup.merge_snapshots"]


class ErasureRefused(ValueError):
    """A decision that cannot be carried out as asked (already decided, missing ground)."""


def retention_days(category: str) -> int:
    return int(settings.HIMAYA_RETENTION_DAYS[category])


def _wipe(person: Person, wiped: list[str]) -> None:
    values = {name: "" for name in wiped if name in IDENTIFIERS}
    if values:
        Person.objects.filter(pk=person.pk).update(**values, updated_at=timezone.now())
    if "documents" in wiped:
        PersonDocument.objects.filter(person=person).delete()
    if "search_keys" in wiped:
        SearchKey.objects.filter(person=person).delete()
    if "versions" in wiped:
        PersonVersion.objects.filter(person=person).delete()
    if "referral.clinical_notes" in wiped:
        Referral.objects.filter(person=person).update(clinical_notes="")
    if "name_index" in wiped and django_apps.is_installed("himaya.dedup"):
        # A registration alert keeps the keyed hash of the name typed: the same key would
        # recognise the name again. Looked up by name: deduplication sits above this app.
        alert = django_apps.get_model("dedup", "RegistrationAlert")
        alert.objects.filter(Q(matched=person) | Q(new_person=person)).update(name_index="")
    if "dedup.merge_snapshots" in wiped and django_apps.is_installed("himaya.dedup"):
        # A merge keeps, encrypted, both records as they were, to undo it: the erased
        # identifiers are in there (ciphertext under a key that still opens it). Emptied,
        # the merge stands but can no longer be undone. Looked up by name, as above.
        merge = django_apps.get_model("dedup", "Merge")
        merge.objects.filter(Q(survivor=person) | Q(absorbed=person)).exclude(snapshot="").update(snapshot="")
    if "referral_proof.original_name" in wiped:
        # The receipt itself stays (a financial record, audited with the programme); the name
        # it was uploaded under may be the person's.
        for proof in ReferralProof.objects.filter(referral__person=person):
            ReferralProof.objects.filter(pk=proof.pk).update(original_name=f"proof-{proof.pk}")


def _anonymise(person: Person, *, actor: Any, cause: str, wiped: list[str], reason: str) -> None:
    _wipe(person, wiped)
    if set(wiped) >= set(IDENTIFIERS):
        # Only a full anonymisation is final: a partial erasure still leaves the person to
        # the retention purge later.
        Anonymisation.objects.update_or_create(person=person, defaults={"cause": cause, "wiped": wiped})
    audit_record(actor=actor, kind="delete", action=f"person.anonymise.{cause}", target=person,
                 organisation_id=person.organisation_id, reason=reason, fields=wiped)


# --- Retention -------------------------------------------------------------------------


def people_expired(now: dt.datetime | None = None):  # noqa: ANN201
    """People with no activity for longer than the caseload period, not yet anonymised.

    Activity is the latest of: the record's own change, a delivery, a referral, a voucher,
    a distribution check-in. A legal hold recorded on an erasure request keeps a person.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=retention_days("caseload"))
    cutoff_day = cutoff.date()
    # NOT IN over a list holding NULL matches nothing: every sub-query drops its NULLs.
    recent_ids = [
        Delivery.objects.filter(delivered_on__gte=cutoff_day, person__isnull=False).values("person_id"),
        Delivery.objects.filter(delivered_on__gte=cutoff_day, household__members__isnull=False)
        .values("household__members__person_id"),
        Referral.objects.filter(referred_on__gte=cutoff_day, person__isnull=False).values("person_id"),
        Voucher.objects.filter(Q(issued_at__gte=cutoff) | Q(status_changed_at__gte=cutoff),
                               person__isnull=False).values("person_id"),
        DistributionTarget.objects.filter(checked_in_at__gte=cutoff).values("person_id"),
        ErasureRequest.objects.filter(refusal_ground=ErasureRequest.RefusalGround.LEGAL_HOLD)
        .values("person_id"),
    ]
    active = Q(updated_at__gte=cutoff) | Q(registered_at__gte=cutoff)
    for ids in recent_ids:
        active |= Q(pk__in=ids)
    return Person.objects.filter(anonymisation__isnull=True).exclude(active).order_by("pk")


@dataclass
class PurgeReport:
    people: list[int] = field(default_factory=list)
    replays: int = 0
    security_logs: int = 0
    files: int = 0
    sessions: int = 0

    @property
    def total(self) -> int:
        return len(self.people) + self.replays + self.security_logs + self.files + self.sessions


def purge_expired(*, actor: Any = None, dry_run: bool = False, now: dt.datetime | None = None) -> PurgeReport:
    """Anonymise and delete what has outlived its retention period; run it again and nothing
    more happens (anonymised people are skipped, deleted rows are gone)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.sessions.models import Session

    from himaya.intake.models import ImportBatch
    from himaya.jobs.models import Job

    now = now or timezone.now()
    report = PurgeReport(people=list(people_expired(now).values_list("pk", flat=True)))
    replay_cutoff = now - dt.timedelta(days=retention_days("replay"))
    security_cutoff = now - dt.timedelta(days=retention_days("security_log"))
    files_cutoff = now - dt.timedelta(days=retention_days("files"))
    replays = IdempotencyRecord.objects.filter(created_at__lt=replay_cutoff)
    logs = [AccessLog.objects.filter(attempt_time__lt=security_cutoff),
            AccessFailureLog.objects.filter(attempt_time__lt=security_cutoff),
            AccessAttempt.objects.filter(attempt_time__lt=security_cutoff)]
    batches = ImportBatch.objects.filter(created_at__lt=files_cutoff).exclude(stored_file="")
    jobs = Job.objects.filter(created_at__lt=files_cutoff).exclude(result_file="")
    sessions = Session.objects.filter(expire_date__lt=now)
    report.replays = replays.count()
    report.security_logs = sum(qs.count() for qs in logs)
    report.files = batches.count() + jobs.count()
    report.sessions = sessions.count()
    if dry_run:
        return report

    wiped = IDENTIFIERS + RELATED_IDENTIFIERS
    days = retention_days("caseload")
    for person in Person.objects.filter(pk__in=report.people).iterator(chunk_size=500):
        with transaction.atomic():
            _anonymise(person, actor=actor, cause=Cause.RETENTION, wiped=wiped,
                       reason=f"no activity for {days} days")
    with transaction.atomic():
        replays.delete()
        for qs in logs:
            qs.delete()
        sessions.delete()
        _delete_files(batches, jobs)
        audit_record(actor=actor, kind="delete", action="retention.purge",
                     object_type="protection.retention",
                     reason=(f"{len(report.people)} people anonymised, {report.replays} replays, "
                             f"{report.security_logs} sign-in logs, {report.files} files, "
                             f"{report.sessions} sessions"))
    return report


def _delete_files(batches: Any, jobs: Any) -> None:
    from himaya.intake import storage
    from himaya.jobs.services import jobs_directory

    for batch in batches:
        storage.delete_upload(batch.stored_file)
    # The report of an old import lists rows as read: it goes with the file.
    batches.update(stored_file="", report="")
    directory = jobs_directory()
    for job in jobs:
        (directory / job.result_file).unlink(missing_ok=True)
    jobs.update(result_file="")


def last_activity(person: Person) -> dt.date:
    """The day of a person's latest recorded activity (shown on the erasure page)."""
    days = [person.updated_at.date(), person.registered_at.date()]
    for value in (
        Delivery.objects.filter(person=person).aggregate(d=Max("delivered_on"))["d"],
        Referral.objects.filter(person=person).aggregate(d=Max("referred_on"))["d"],
    ):
        if value:
            days.append(value)
    return max(days)


# --- Erasure requests ------------------------------------------------------------------


@transaction.atomic
def erasure_request_record(*, actor: Any, person: Person, received_on: dt.date, channel: str,
                           explanation: str = "") -> ErasureRequest:
    request = ErasureRequest.objects.create(
        person=person, organisation_id=person.organisation_id, received_on=received_on,
        channel=channel, recorded_by=actor, explanation=explanation,
    )
    audit_record(actor=actor, kind="create", action="erasure.record", target=request,
                 organisation_id=person.organisation_id, fields=["channel", "received_on"])
    return request


@transaction.atomic
def erasure_request_decide(*, actor: Any, request: ErasureRequest, decision: str,
                           refusal_ground: str = "", explanation: str = "") -> ErasureRequest:
    """Decide and carry out at once, so that the recorded outcome is what was done."""
    request = ErasureRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != ErasureRequest.Status.RECEIVED:
        raise ErasureRefused("already decided")
    if decision not in ErasureRequest.Decision.values:
        raise ErasureRefused("unknown decision")
    if decision != ErasureRequest.Decision.ERASE and not refusal_ground:
        raise ErasureRefused("a refusal, even in part, needs its ground")
    person = request.person
    if decision == ErasureRequest.Decision.ERASE:
        wiped = IDENTIFIERS + RELATED_IDENTIFIERS
    elif decision == ErasureRequest.Decision.PARTIAL:
        wiped = CONTACT_DETAILS
    else:
        wiped = []
    if wiped:
        _anonymise(person, actor=actor, cause=Cause.ERASURE, wiped=wiped,
                   reason=f"erasure request {request.pk}: {decision}")
    request.status = ErasureRequest.Status.DONE
    request.decision = decision
    request.refusal_ground = "" if decision == ErasureRequest.Decision.ERASE else refusal_ground
    request.explanation = explanation or request.explanation
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.wiped = wiped
    request.save()
    audit_record(actor=actor, kind="change", action=f"erasure.decide.{decision}", target=request,
                 organisation_id=person.organisation_id, reason=request.refusal_ground,
                 fields=wiped)
    return request
