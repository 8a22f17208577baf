"""Writes on people, households and consent: one function, one transaction, audited.

Importers (XLSX, Kobo) call `person_data_validate` on every row, then
`person_register(..., external_id=...)` for each: the same external id with the
same data returns the existing person, with other data raises `ExternalIdConflict`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from himaya.audit.services import audit_record
from himaya.organisations.models import Organisation
from himaya.registry import blind_index, codes
from himaya.registry.models import (
    Consent,
    Household,
    HouseholdMember,
    Person,
    PersonDocument,
    PersonVersion,
    Purpose,
    Relationship,
    SearchKey,
)
from himaya.registry.queries import survivor_for_user
from himaya.registry.validation import ConsentData, PersonData

IDENTIFYING_FIELDS = ("given_name", "family_name", "other_names", "birth_date", "phone", "documents")


class ExternalIdConflict(Exception):
    """The external (client) id is already used for different data: never overwrite."""


class ConsentRequired(ValidationError):
    """The processing asked for has no basis for this person (none given, or withdrawn)."""


@dataclass(frozen=True)
class Registration:
    person: Person
    created: bool


def data_digest(data: dict[str, Any]) -> str:
    # Keyed: a plain hash of names and dates could be reversed by guessing.
    return blind_index.digest("source", json.dumps(data, sort_keys=True, ensure_ascii=False))


def require_consent(person: Person, purpose: str) -> Consent:
    """The person's basis for `purpose`, or `ConsentRequired` if none is in force."""
    consent = person.consents.filter(purpose=purpose).first()
    if consent is None or not consent.permits:
        raise ConsentRequired(
            _("There is no consent or other legal basis in force for “%(purpose)s” for this person.")
            % {"purpose": Purpose(purpose).label}
        )
    return consent


def _person_search_keys(person: Person) -> list[SearchKey]:
    digests = blind_index.name_search_digests(
        [person.given_name, person.family_name, person.other_names]
    )
    return [SearchKey(person=person, digest=d) for d in sorted(digests)]


def name_index_of(given_name: str, family_name: str, key: bytes | None = None) -> str:
    return blind_index.exact_digest("name", blind_index.fold(f"{given_name} {family_name}"), key)


def _apply(person: Person, data: PersonData, key: bytes | None = None) -> None:
    """Set the person's fields and keyed hashes from clean data (`key`: the index key, if already read)."""
    person.given_name = data.given_name
    person.family_name = data.family_name
    person.other_names = data.other_names
    person.sex = data.sex
    person.birth_precision = data.birth_precision
    person.birth_date = data.birth_date.isoformat() if data.birth_date else ""
    person.birth_year = data.birth_year
    person.birth_month = data.birth_month
    person.nationality = data.nationality
    person.region, person.province, person.commune = data.region, data.province, data.commune
    person.phone = data.phone
    person.phone_index = blind_index.exact_digest("phone", data.phone, key)
    person.name_index = name_index_of(data.given_name, data.family_name, key)


def _write_related(person: Person, data: PersonData) -> None:
    person.languages.set(data.languages)
    person.vulnerabilities.set(data.vulnerabilities)
    person.documents.all().delete()
    PersonDocument.objects.bulk_create([
        PersonDocument(
            person=person, kind=d.kind, number=d.number, issuing_country=d.issuing_country,
            number_index=blind_index.exact_digest("document", d.number),
        )
        for d in data.documents
    ])
    person.search_keys.all().delete()
    SearchKey.objects.bulk_create(_person_search_keys(person))


def _write_consent(person: Person, consent: ConsentData, actor: Any) -> Consent:
    authenticated = getattr(actor, "is_authenticated", False)
    record, _created = Consent.objects.update_or_create(
        person=person, purpose=consent.purpose,
        defaults={
            "legal_basis": consent.legal_basis, "status": consent.status,
            "language": consent.language, "collected_on": consent.collected_on or timezone.localdate(),
            "collected_by": actor if authenticated else None,
            "withdrawn_at": None, "withdrawn_by": None,
        },
    )
    return record


@transaction.atomic
def person_register(
    *, actor: Any, organisation: Organisation, data: PersonData, external_id: str = "",
) -> Registration:
    """Register a person for `organisation` (taken from the caller's scope, never from input).

    With an `external_id` the call is idempotent: the same id and data return the
    person first registered; the same id with other data raises `ExternalIdConflict`.
    """
    digest = data_digest(data.identity()) if external_id else ""
    if external_id:
        existing = Person.objects.filter(organisation=organisation, external_id=external_id).first()
        if existing is not None:
            return _replayed(existing, digest)
    authenticated = getattr(actor, "is_authenticated", False)
    person = Person(
        code=codes.new_code(), organisation=organisation, external_id=external_id,
        source_digest=digest, registered_by=actor if authenticated else None,
    )
    _apply(person, data)
    try:
        # A savepoint: a concurrent twin with the same external id loses here, not later.
        with transaction.atomic():
            person.save()
    except IntegrityError:
        if not external_id:
            raise
        existing = Person.objects.get(organisation=organisation, external_id=external_id)
        return _replayed(existing, digest)
    _write_related(person, data)
    for consent in data.consents:
        _write_consent(person, consent, actor)
    audit_record(
        actor=actor, kind="create", action="person.register", target=person,
        organisation_id=organisation.pk,
        fields=[name for name, value in data.identity().items() if value],
    )
    return Registration(person, created=True)


def _replayed(existing: Person, digest: str) -> Registration:
    if existing.source_digest != digest:
        raise ExternalIdConflict(existing.pk)
    return Registration(existing, created=False)


def person_snapshot(person: Person) -> dict[str, Any]:
    """The person's current data in the canonical form of `PersonData.identity()`."""
    return {
        "given_name": person.given_name,
        "family_name": person.family_name,
        "other_names": person.other_names,
        "sex": person.sex,
        "birth_precision": person.birth_precision,
        "birth_date": person.birth_date,
        "birth_year": person.birth_year,
        "birth_month": person.birth_month,
        "nationality": person.nationality.alpha2 if person.nationality else "",
        "languages": sorted(lang.code for lang in person.languages.all()),
        "region": person.region.code if person.region else "",
        "province": person.province.code if person.province else "",
        "commune": person.commune.code if person.commune else "",
        "phone": person.phone,
        "documents": sorted(
            [d.kind, d.number, d.issuing_country.alpha2 if d.issuing_country else ""]
            for d in person.documents.all()
        ),
        "vulnerabilities": sorted(v.code for v in person.vulnerabilities.all()),
    }


@transaction.atomic
def person_update(*, actor: Any, person: Person, data: PersonData, reason: str = "") -> list[str]:
    """Correct a person's data, keeping the previous state (encrypted) as a version.

    Returns the names of the fields that changed (none: nothing is written).
    """
    person = Person.objects.select_for_update().get(pk=person.pk)
    require_consent(person, Purpose.REGISTRATION)
    before = person_snapshot(person)
    after = data.identity()
    changed = sorted(name for name in after if after[name] != before.get(name))
    if not changed:
        return []
    PersonVersion.objects.create(
        person=person, version=person.version, changed_by=actor if getattr(actor, "is_authenticated", False) else None,
        change="update", fields=changed, snapshot=json.dumps(before, ensure_ascii=False),
    )
    _apply(person, data)
    person.version += 1
    person.save()
    _write_related(person, data)
    audit_record(
        actor=actor, kind="change", action="person.update", target=person,
        organisation_id=person.organisation_id, fields=changed, reason=reason,
    )
    return changed


@transaction.atomic
def consent_record(*, actor: Any, person: Person, consent: ConsentData) -> Consent:
    """Record (or record again) the basis for one purpose."""
    record = _write_consent(person, consent, actor)
    audit_record(
        actor=actor, kind="change", action="consent.record", target=person,
        organisation_id=person.organisation_id, fields=[f"consent.{consent.purpose}"],
    )
    return record


@transaction.atomic
def consent_withdraw(*, actor: Any, person: Person, purpose: str, reason: str = "") -> Consent:
    """Withdraw one purpose: processing that needs it is refused from now on."""
    consent = Consent.objects.select_for_update().filter(person=person, purpose=purpose).first()
    if consent is None or consent.status != Consent.Status.GIVEN:
        raise ValidationError(_("There is no consent in force for this purpose."))
    consent.status = Consent.Status.WITHDRAWN
    consent.withdrawn_at = timezone.now()
    consent.withdrawn_by = actor if getattr(actor, "is_authenticated", False) else None
    consent.save()
    audit_record(
        actor=actor, kind="change", action="consent.withdraw", target=person,
        organisation_id=person.organisation_id, fields=[f"consent.{purpose}"], reason=reason,
    )
    return consent


def person_viewed(*, actor: Any, person: Person, fields: Sequence[str], action: str = "person.view") -> None:
    """Record that identifying fields of a person were shown to the actor."""
    audit_record(
        actor=actor, kind="view", action=action, target=person,
        organisation_id=person.organisation_id, fields=fields,
    )


@transaction.atomic
def person_reveal(*, actor: Any, person: Person, what: str) -> str:
    """The full phone number ('phone') or document number ('document:<id>'), logged.

    Calling someone is follow-up contact: without that consent the phone stays hidden.
    """
    if what == "phone":
        require_consent(person, Purpose.FOLLOW_UP)
        value, field_name = person.phone, "phone"
    elif what.startswith("document:") and what[9:].isdigit():
        document = person.documents.filter(pk=int(what[9:])).first()
        if document is None:
            raise ValidationError(_("Unknown document."))
        value, field_name = document.number, "documents"
    else:
        raise ValidationError(_("Unknown field."))
    audit_record(
        actor=actor, kind="reveal", action=f"person.reveal_{field_name}", target=person,
        organisation_id=person.organisation_id, fields=[field_name],
    )
    return value


@dataclass(frozen=True)
class MemberData:
    person: Person
    relationship: str


def _check_members(organisation: Organisation, members: Sequence[MemberData],
                   household: Household | None = None, actor: Any = None) -> None:
    errors: list[str] = []
    heads = [m for m in members if m.relationship == Relationship.HEAD]
    if household is None and len(heads) != 1:
        errors.append(_("A household has exactly one head."))
    seen: set[int] = set()
    for member in members:
        if member.relationship not in Relationship.values:
            errors.append(_("Unknown relationship."))
        if member.person.organisation_id != organisation.pk:
            # Scoped look-ups already hide other partners' people; this holds even if they did not.
            errors.append(_("Person %(code)s is not in this caseload.") % {"code": member.person.code_display})
        if member.person.pk in seen:
            errors.append(_("Person %(code)s is listed twice.") % {"code": member.person.code_display})
        if member.person.merged_into_id is not None:
            errors.append(merged_message(member.person, actor))
        seen.add(member.person.pk)
        current = HouseholdMember.objects.filter(person=member.person).select_related("household").first()
        if current is not None:
            errors.append(_("Person %(code)s already belongs to household %(household)s.")
                          % {"code": member.person.code_display, "household": current.household.code_display})
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def household_register(
    *, actor: Any, organisation: Organisation, members: Sequence[MemberData], external_id: str = "",
) -> tuple[Household, bool]:
    """Register a household of already registered people, one of them its head."""
    digest = data_digest({"members": sorted([m.person.code, m.relationship] for m in members)}) \
        if external_id else ""
    if external_id:
        existing = Household.objects.filter(organisation=organisation, external_id=external_id).first()
        if existing is not None:
            if existing.source_digest != digest:
                raise ExternalIdConflict(existing.pk)
            return existing, False
    _check_members(organisation, members, actor=actor)
    authenticated = getattr(actor, "is_authenticated", False)
    household = Household(
        code=codes.new_code(), organisation=organisation, external_id=external_id,
        source_digest=digest, registered_by=actor if authenticated else None,
    )
    try:
        with transaction.atomic():
            household.save()
            HouseholdMember.objects.bulk_create([
                HouseholdMember(household=household, person=m.person, relationship=m.relationship)
                for m in members
            ])
    except IntegrityError:
        if not external_id:
            raise
        existing = Household.objects.get(organisation=organisation, external_id=external_id)
        if existing.source_digest != digest:
            raise ExternalIdConflict(existing.pk) from None
        return existing, False
    audit_record(
        actor=actor, kind="create", action="household.register", target=household,
        organisation_id=organisation.pk, fields=["members"],
    )
    return household, True


@transaction.atomic
def household_member_add(*, actor: Any, household: Household, member: MemberData) -> HouseholdMember:
    _check_members(household.organisation, [member], household=household, actor=actor)
    if member.relationship == Relationship.HEAD and household.members.filter(
            relationship=Relationship.HEAD).exists():
        raise ValidationError(_("This household already has a head."))
    created = HouseholdMember.objects.create(
        household=household, person=member.person, relationship=member.relationship
    )
    audit_record(
        actor=actor, kind="change", action="household.member_add", target=household,
        organisation_id=household.organisation_id, fields=["members"],
    )
    return created


def age_on(person: Person, day: dt.date) -> int | None:
    """Age in whole years where the precision allows it (year-only: at the year's middle)."""
    if person.birth_year is None:
        return None
    born = person.birth_date_value
    if born is not None:
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    return day.year - person.birth_year - (person.birth_month is not None and day.month < person.birth_month)


# --- Merged records (deduplication) -------------------------------------------------------
# Deduplication (which depends on the registry, never the reverse) calls these inside its own
# merge and un-merge transactions; the registry then knows, without importing dedup, which
# records were absorbed (docs/decisions/0204-merged-people-in-the-registry.md).

def _announce_change(person: Person) -> None:
    """Tell whoever listens to saved people (results aggregates, caches) that this one changed.

    The update above sends no signal, and a merge moves deliveries without changing their
    count or highest id: without this, figures cached before the merge would go on counting
    the absorbed record's people reached as a second person.
    """
    post_save.send(sender=Person, instance=person, created=False, raw=False,
                   using=Person.objects.db, update_fields=frozenset({"merged_into"}))


@transaction.atomic
def person_mark_merged(*, person: Person, survivor: Person, actor: Any) -> None:
    """Record that `person` was absorbed into `survivor`.

    A queryset update, not save(): the record's own values (updated_at, version, history)
    stay exactly as they were, so an un-merge gives the same row back.
    """
    if person.pk == survivor.pk:
        raise ValidationError(_("A record cannot be merged into itself."))
    Person.objects.filter(pk=person.pk).update(merged_into=survivor)
    person.merged_into = survivor
    _announce_change(person)
    audit_record(actor=actor, kind="change", action="person.mark_merged", target=person,
                 organisation_id=person.organisation_id, fields=["merged_into"],
                 reason=f"merged into {survivor.code}")


@transaction.atomic
def person_clear_merged(*, person: Person, actor: Any) -> None:
    """An un-merge: the record is a person of its own again."""
    Person.objects.filter(pk=person.pk).update(merged_into=None)
    person.merged_into = None
    _announce_change(person)
    audit_record(actor=actor, kind="change", action="person.clear_merged", target=person,
                 organisation_id=person.organisation_id, fields=["merged_into"])


def merged_message(person: Person, actor: Any = None) -> str:
    """Which code to use instead, named only when the writer may see the survivor (the
    registry's scoped query: another association's record, or one in a region outside a
    protection officer's, is not named, P2). Otherwise, and when no writer is known, the
    message says only that the record was merged and whom to ask."""
    survivor = survivor_for_user(actor, person)
    if survivor is None:
        return _("Person %(code)s was merged into another record: ask your coordinator or the "
                 "mission which record to use.") % {"code": person.code_display}
    return _("Person %(code)s was merged into %(survivor)s: use %(survivor)s.") % {
        "code": person.code_display, "survivor": survivor.code_display}


def refuse_merged(*people: Person | None, actor: Any = None) -> None:
    """Writes that name a person (a delivery, a voucher, a household, a distribution list) refuse
    an absorbed record: what is new belongs to the survivor, whose code the message gives when
    the writer (`actor`) may see it."""
    errors = [merged_message(p, actor) for p in people if p is not None and p.merged_into_id is not None]
    if errors:
        raise ValidationError(errors)
