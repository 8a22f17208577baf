"""What a merge does to every row that points at a person, and how to undo it.

Relations are discovered from the model graph (`Person._meta`), not listed by
hand, so a foreign key added to Person later is moved by default; `POLICY` says
for each known relation what happens, and a test fails when a relation is
missing from it, so whoever adds one decides deliberately.

Every change is written to a snapshot first: "moved" rows get their old person
back, "changed" rows their old values, "deleted" rows are recreated with their
primary key. Un-merging replays the snapshot backwards.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction

from himaya.registry.models import Consent, HouseholdMember, Person, Relationship

MOVE = "move"  # point the row at the survivor (left in place if a unique rule forbids it)
KEEP = "keep"  # the row describes the absorbed record itself and stays with it
CONSENT = "consent"  # see _merge_consents
MEMBERSHIP = "membership"  # see _merge_membership

POLICY: dict[str, str] = {
    # The absorbed record's own identity, history and search keys stay with it:
    # its page still shows who was registered under that code.
    "registry.searchkey.person": KEEP,
    "registry.persondocument.person": KEEP,
    "registry.personversion.person": KEEP,
    "registry.consent.person": CONSENT,
    "registry.householdmember.person": MEMBERSHIP,
    "assistance.delivery.person": MOVE,
    "assistance.distributiontarget.person": MOVE,
    "assistance.referral.person": MOVE,
    "vouchers.voucher.person": MOVE,
    # Erasure and anonymisation concern the record they were asked for.
    "protection.erasurerequest.person": KEEP,
    "protection.anonymisation.person": KEEP,
    # The registry's merge marker (Person.merged_into) is set and cleared by the registry's
    # services from person_merge / person_unmerge. Records absorbed earlier into the one now
    # absorbed keep pointing at it: each marker matches one Merge row, and the registry
    # follows the chain to the current survivor.
    "registry.person.merged_into": KEEP,
    # Deduplication's own bookkeeping names both records on purpose.
    "dedup.candidatepair.person_low": KEEP,
    "dedup.candidatepair.person_high": KEEP,
    "dedup.merge.survivor": KEEP,
    "dedup.merge.absorbed": KEEP,
    "dedup.registrationalert.matched": KEEP,
    "dedup.registrationalert.new_person": KEEP,
}


def person_relations() -> list[models.ForeignObjectRel]:
    """Every relation from another model to Person (foreign keys, one-to-one, many-to-many)."""
    return [
        f for f in Person._meta.get_fields(include_hidden=True)
        if f.auto_created and not f.concrete and (f.one_to_many or f.one_to_one or f.many_to_many)
        # The link tables of Person's own many-to-many fields (languages) are its data.
        and not f.related_model._meta.auto_created
    ]


def relation_key(relation: models.ForeignObjectRel) -> str:
    return f"{relation.related_model._meta.label_lower}.{relation.field.name}"


def policy_of(relation: models.ForeignObjectRel) -> str:
    return POLICY.get(relation_key(relation), MOVE)


@dataclass
class Snapshot:
    entries: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def dumps(self) -> str:
        return json.dumps(self.entries, cls=DjangoJSONEncoder, ensure_ascii=False)


def _row_values(obj: models.Model) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _moved(snapshot: Snapshot, model: type[models.Model], column: str, pks: list[Any],
           absorbed: Person) -> None:
    label = model._meta.label_lower
    snapshot.entries.append({"op": "moved", "model": label, "column": column,
                             "pks": pks, "person": absorbed.pk})
    snapshot.count(label, len(pks))


def _changed(snapshot: Snapshot, obj: models.Model, columns: list[str]) -> None:
    snapshot.entries.append({"op": "changed", "model": obj._meta.label_lower, "pk": obj.pk,
                             "values": {c: getattr(obj, c) for c in columns}})


def _deleted(snapshot: Snapshot, obj: models.Model) -> None:
    snapshot.entries.append({"op": "deleted", "model": obj._meta.label_lower, "pk": obj.pk,
                             "values": _row_values(obj)})


def _move_rows(relation: models.ForeignObjectRel, survivor: Person, absorbed: Person,
               snapshot: Snapshot) -> None:
    model = relation.related_model
    column = relation.field.attname
    if relation.many_to_many:
        raise NotImplementedError(f"{relation_key(relation)}: many-to-many to Person needs a policy")
    # The default manager may refuse bulk updates (append-only ledgers); the base one does not.
    manager = model._base_manager
    pks = list(manager.filter(**{column: absorbed.pk}).values_list("pk", flat=True))
    if not pks:
        return
    try:
        with transaction.atomic():
            manager.filter(pk__in=pks).update(**{column: survivor.pk})
        moved = pks
    except IntegrityError:
        # A unique rule (e.g. one target per distribution) forbids some: move one by one,
        # leave the rest with the absorbed record.
        moved = []
        for pk in pks:
            try:
                with transaction.atomic():
                    manager.filter(pk=pk).update(**{column: survivor.pk})
                moved.append(pk)
            except IntegrityError:
                snapshot.count(f"{model._meta.label_lower} (left)")
    if moved:
        _moved(snapshot, model, column, moved, absorbed)


def _merge_consents(survivor: Person, absorbed: Person, snapshot: Snapshot) -> None:
    """Move consents the survivor lacks; where both have one, the more restrictive holds.

    A refusal or withdrawal given under either record was given by the person: the
    survivor's consent takes the absorbed record's status if that one does not permit.
    """
    kept = {c.purpose: c for c in Consent.objects.filter(person=survivor)}
    moving = []
    for consent in Consent.objects.filter(person=absorbed):
        mine = kept.get(consent.purpose)
        if mine is None:
            moving.append(consent.pk)
            continue
        if mine.permits and not consent.permits:
            columns = ["status", "legal_basis", "withdrawn_at", "withdrawn_by_id"]
            _changed(snapshot, mine, columns)
            Consent.objects.filter(pk=mine.pk).update(
                status=consent.status, legal_basis=consent.legal_basis,
                withdrawn_at=consent.withdrawn_at, withdrawn_by_id=consent.withdrawn_by_id,
            )
            snapshot.count("registry.consent (restricted)")
    if moving:
        Consent.objects.filter(pk__in=moving).update(person=survivor)
        _moved(snapshot, Consent, "person_id", moving, absorbed)


def _merge_membership(survivor: Person, absorbed: Person, snapshot: Snapshot) -> None:
    """A person lives in one household: the survivor keeps its own, or takes the absorbed one's.

    When both lived in the same household and the absorbed record was its head,
    the survivor becomes head.
    """
    theirs = HouseholdMember.objects.filter(person=absorbed).first()
    if theirs is None:
        return
    mine = HouseholdMember.objects.filter(person=survivor).first()
    if mine is None:
        HouseholdMember.objects.filter(pk=theirs.pk).update(person=survivor)
        _moved(snapshot, HouseholdMember, "person_id", [theirs.pk], absorbed)
        return
    _deleted(snapshot, theirs)
    theirs.delete()
    snapshot.count("registry.householdmember (removed)")
    if (theirs.household_id == mine.household_id and theirs.relationship == Relationship.HEAD
            and mine.relationship != Relationship.HEAD):
        _changed(snapshot, mine, ["relationship"])
        HouseholdMember.objects.filter(pk=mine.pk).update(relationship=Relationship.HEAD)


def merge_rows(survivor: Person, absorbed: Person) -> Snapshot:
    """Repoint everything the policy moves; must run inside the caller's transaction."""
    snapshot = Snapshot()
    for relation in person_relations():
        policy = policy_of(relation)
        if policy == KEEP:
            continue
        if policy == CONSENT:
            _merge_consents(survivor, absorbed, snapshot)
        elif policy == MEMBERSHIP:
            _merge_membership(survivor, absorbed, snapshot)
        else:
            _move_rows(relation, survivor, absorbed, snapshot)
    return snapshot


def _restore_values(model: type[models.Model], values: dict[str, Any]) -> dict[str, Any]:
    fields = {f.attname: f for f in model._meta.concrete_fields}
    return {k: fields[k].to_python(v) if v is not None else None for k, v in values.items()}


def unmerge_rows(snapshot_json: str) -> dict[str, int]:
    """Replay a snapshot backwards; returns counts of restored rows per model."""
    restored: dict[str, int] = {}
    for entry in reversed(json.loads(snapshot_json)):
        model = apps.get_model(entry["model"])
        manager = model._base_manager
        if entry["op"] == "moved":
            manager.filter(pk__in=entry["pks"]).update(**{entry["column"]: entry["person"]})
            n = len(entry["pks"])
        elif entry["op"] == "changed":
            manager.filter(pk=entry["pk"]).update(**_restore_values(model, entry["values"]))
            n = 1
        else:
            obj = model(**_restore_values(model, entry["values"]))
            obj.save(force_insert=True)
            n = 1
        restored[entry["model"]] = restored.get(entry["model"], 0) + n
    return restored
