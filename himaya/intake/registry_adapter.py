"""The one place where imports meet the registry.

Validation and single registrations go through the registry's own functions
(`person_data_validate`, `person_register`, `household_register`). Registering
a whole file row by row through `person_register` costs about 6 ms a person
(some fifteen queries each), ten minutes for 100,000 rows; so
`people_register_batch` writes a batch with a handful of bulk inserts, built
with the registry's own field-setting and search-key functions so that the
stored person is the same as `person_register` makes (see
docs/decisions/0601-intake-import-pipeline.md). When the registry offers a
batch service of its own, switch `people_register_batch` to it here; nothing
else in intake touches registry writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from himaya.audit.models import AuditEvent
from himaya.organisations.models import Organisation
from himaya.registry import blind_index, codes, encryption
from himaya.registry.fields import EncryptedTextField
from himaya.registry.models import Consent, Household, Person, PersonDocument, SearchKey
from himaya.registry.services import (
    ExternalIdConflict,
    MemberData,
    _apply,  # the registry's own field setter, so that batch and single writes agree
    data_digest,
    household_register,
)
from himaya.registry.validation import PersonData, PersonDataInvalid, person_data_validate

__all__ = [
    "ExternalIdConflict",
    "PersonData",
    "PersonDataInvalid",
    "existing_households",
    "existing_people",
    "household_register_for_import",
    "people_register_batch",
    "person_digest",
    "validate_person",
]


def validate_person(raw: Mapping[str, Any], *, today: dt.date) -> PersonData:
    """One row's raw values → clean data, or `PersonDataInvalid` with per-field messages."""
    return person_data_validate(raw, today=today)


def person_digest(data: PersonData) -> str:
    """The keyed digest the registry stores for an external id: same digest, same person."""
    return data_digest(data.identity())


def existing_people(organisation: Organisation, external_ids: Iterable[str]) -> dict[str, str]:
    """External id → stored digest, for the ids already registered in this organisation."""
    ids = [i for i in external_ids if i]
    if not ids:
        return {}
    return dict(
        Person.objects.filter(organisation=organisation, external_id__in=ids)
        .values_list("external_id", "source_digest")
    )


def existing_households(organisation: Organisation, external_ids: Iterable[str]) -> set[str]:
    ids = [i for i in external_ids if i]
    return set(
        Household.objects.filter(organisation=organisation, external_id__in=ids)
        .values_list("external_id", flat=True)
    )


def _fresh_codes(count: int) -> list[str]:
    # Forty random bits: with a million people a batch can draw a code already issued,
    # and one duplicate would fail the whole insert, so draw again until none is taken.
    fresh: set[str] = set()
    while len(fresh) < count:
        drawn = {codes.new_code() for _ in range(count - len(fresh))} - fresh
        taken = set(Person.objects.filter(code__in=drawn).values_list("code", flat=True))
        fresh |= drawn - taken
    return list(fresh)


def people_register_batch(
    *, actor: Any, organisation: Organisation, items: Sequence[tuple[str, PersonData, str]], reason: str = "",
) -> dict[str, int]:
    """Register many people at once, idempotently by external id; returns external id → person pk.

    Must run inside the caller's transaction (the import's one transaction). An
    external id already registered with the same data is returned as is; with other
    data it raises `ExternalIdConflict` (the import validated this before, so it
    means someone registered the same id in between).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("people_register_batch must run inside the import's transaction")
    authenticated = getattr(actor, "is_authenticated", False)
    # (external id, data, digest): the digest is `person_digest(data)`, computed once while checking.
    digests = {external_id: digest for external_id, _data, digest in items}
    existing: dict[str, int] = {}
    for external_id, pk, digest in Person.objects.filter(
            organisation=organisation, external_id__in=list(digests)).values_list("external_id", "pk", "source_digest"):
        if digest != digests[external_id]:
            raise ExternalIdConflict(pk)
        existing[external_id] = pk
    new_items = [(external_id, data) for external_id, data, _digest in items if external_id not in existing]
    # The keys are read once for the batch, not once for each value sealed or hashed.
    ring = encryption.keyring()
    people: list[Person] = []
    for (external_id, data), code in zip(new_items, _fresh_codes(len(new_items)), strict=True):
        person = Person(
            code=code, organisation=organisation, external_id=external_id,
            source_digest=digests[external_id], registered_by=actor if authenticated else None,
        )
        _apply(person, data, ring.index_key)
        people.append(person)
    # Plain INSERTs with values sealed here: Django's bulk_create prepares each of twenty-odd
    # fields through the compiler, and that was a quarter of an import's time.
    now = timezone.now()
    for person in people:
        person.registered_at = person.updated_at = now
    _insert_objects(Person, people, ring)
    created = dict(
        Person.objects.filter(organisation=organisation, external_id__in=[p.external_id for p in people])
        .values_list("external_id", "pk")
    )
    for person in people:
        person.pk = created[person.external_id]
        person._state.adding = False
    _write_related_rows(people, [data for _external_id, data in new_items], actor if authenticated else None,
                        organisation, reason, ring)
    return {**existing, **created}


def search_digests(person: Person, key: bytes) -> set[str]:
    """The person's search keys, as the registry's `_person_search_keys` makes them.

    Computed here with the key passed once (not read again per person); a test
    compares the two so that they cannot drift apart.
    """
    return blind_index.name_search_digests([person.given_name, person.family_name, person.other_names], key=key)


def _write_related_rows(people: Sequence[Person], datas: Sequence[PersonData], actor: Any,
                        organisation: Organisation, reason: str, ring: encryption.KeyRing) -> None:
    # Plain INSERT … VALUES rows instead of model instances: about fifteen rows a person
    # (search keys above all), and building a model object for each was most of the time.
    key = ring.index_key
    now, today = timezone.now(), timezone.localdate()
    actor_id = actor.pk if actor is not None else None
    username = actor.get_username() if actor is not None else ""
    languages, vulnerabilities, search_keys, consents, events = [], [], [], [], []
    documents = []
    for person, data in zip(people, datas, strict=True):
        languages += [(person.pk, lang.pk) for lang in data.languages]
        vulnerabilities += [(person.pk, v.pk) for v in data.vulnerabilities]
        search_keys += [(person.pk, digest) for digest in sorted(search_digests(person, key))]
        consents += [(person.pk, c.purpose, c.legal_basis, c.status, c.language.pk if c.language else None,
                      actor_id, c.collected_on or today) for c in data.consents]
        documents += [
            PersonDocument(person=person, kind=d.kind, number=d.number, issuing_country=d.issuing_country,
                           number_index=blind_index.exact_digest("document", d.number, key))
            for d in data.documents
        ]
        events.append((actor_id, username, AuditEvent.Kind.CREATE, "person.register", "registry.person",
                       str(person.pk), organisation.pk, reason[:255], now,
                       sorted({name for name, value in data.identity().items() if value})))
    through_languages = Person.languages.through
    through_vulnerabilities = Person.vulnerabilities.through
    _insert_many(through_languages, ["person", "language"], languages)
    _insert_many(through_vulnerabilities, ["person", "vulnerabilitycriterion"], vulnerabilities)
    # In digest order: the (digest, person) index then takes them page after page instead of
    # at random, which at 100,000 people was most of the writing time.
    search_keys.sort(key=lambda row: row[1])
    _insert_many(SearchKey, ["person", "digest"], search_keys)
    _insert_many(Consent, ["person", "purpose", "legal_basis", "status", "language", "collected_by",
                           "collected_on"], consents)
    _insert_objects(PersonDocument, documents, ring)  # numbers sealed by `_insert_objects`, never raw
    _insert_many(AuditEvent, ["actor", "actor_username", "kind", "action", "object_type", "object_id",
                              "organisation_id", "reason", "at", "fields"], events)


# Fields whose Python value must be adapted for the database (dates, JSON); others go as they are.
_ADAPTED = (models.DateField, models.JSONField)


def _insert_objects(model: type[models.Model], objects: Sequence[models.Model], ring: encryption.KeyRing) -> None:
    """Insert unsaved instances as they are, encrypted fields sealed under `ring` as the field would."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    rows = []
    for obj in objects:
        row = []
        for f in fields:
            value = getattr(obj, f.attname)
            if isinstance(f, EncryptedTextField) and value:
                value = encryption.encrypt(str(value), context=f.encryption_context, ring=ring)
            row.append(value)
        rows.append(tuple(row))
    _insert_many(model, [f.name for f in fields], rows)


def _insert_many(model: type[models.Model], names: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in names]
    adapted = {i for i, f in enumerate(fields) if isinstance(f, _ADAPTED)}
    if adapted:
        # A batch repeats the same few dates and field lists (today, now, the same identity
        # fields): adapt each distinct value once.
        memo: dict[tuple[int, Any], Any] = {}

        def adapt(i: int, value: Any) -> Any:
            key = (i, tuple(value) if isinstance(value, list) else value)
            if key not in memo:
                memo[key] = fields[i].get_db_prep_save(value, connection)
            return memo[key]

        rows = [tuple(adapt(i, v) if i in adapted else v for i, v in enumerate(row)) for row in rows]
    quote = connection.ops.quote_name
    # Table and column names come from the models, quoted; values are parameters.
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start:start + 5000])


def household_register_for_import(
    *, actor: Any, organisation: Organisation, external_id: str, members: Sequence[tuple[int, str]],
) -> bool:
    """Register one household from (person pk, relationship) pairs; False if it existed already."""
    people = Person.objects.in_bulk([pk for pk, _relationship in members])
    _household, created = household_register(
        actor=actor, organisation=organisation, external_id=external_id,
        members=[MemberData(people[pk], relationship) for pk, relationship in members],
    )
    return created
