"""Writes on assistance: deliveries (one or a batch), distributions, referrals.

One function per verb, keyword-only, one transaction, each writing its audit rows.
Every delivery — a web form, a check-in, an offline batch, a Kobo submission —
goes through `deliveries_record`, so the rules, consent, stock and idempotency
are checked the same way everywhere.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from himaya.accounts.scopes import scope_for
from himaya.assistance import entitlements, lifecycle, voucher_issue
from himaya.assistance.models import (
    AssistanceType,
    Delivery,
    Distribution,
    DistributionTarget,
    KitComponent,
    Referral,
    ReferralShare,
    StockBalance,
    StockMovement,
    Warehouse,
)
from himaya.assistance.queries import OVERRIDERS
from himaya.assistance.stock import lock_balances
from himaya.audit.models import AuditEvent
from himaya.audit.services import audit_record
from himaya.organisations.models import Organisation, Programme
from himaya.reference.models import Commune
from himaya.registry.models import (
    Consent,
    Household,
    HouseholdMember,
    Person,
    Purpose,
    Relationship,
)
from himaya.registry.services import (
    ConsentRequired,
    age_on,
    data_digest,
    merged_message,
    refuse_merged,
    require_consent,
)


@dataclass
class DeliveryData:
    """One delivery to record, already resolved to objects in the caller's scope."""

    programme: Programme
    assistance_type: AssistanceType
    delivered_on: dt.date
    person: Person | None = None
    household: Household | None = None
    quantity: Decimal = Decimal(1)
    value: Decimal | None = None
    commune: Commune | None = None
    site: str = ""
    distribution: Distribution | None = None
    warehouse: Warehouse | None = None
    client_uuid: uuid.UUID | None = None
    override_reason: str = ""
    # The code the client sent when it named a record since merged into `person` (decision 0204):
    # a replay of the same item is recognised whether it was first sent before or after the merge.
    sent_person_code: str = ""

    def canonical(self) -> dict[str, Any]:
        """What a replay must repeat exactly: codes and plain values, never names."""
        return {
            "programme": self.programme.code, "type": self.assistance_type.code,
            "person": self.sent_person_code or (self.person.code if self.person else ""),
            "household": self.household.code if self.household else "",
            "quantity": f"{Decimal(self.quantity).normalize():f}",
            "value": f"{Decimal(self.value).normalize():f}" if self.value is not None else "",
            "delivered_on": self.delivered_on.isoformat(),
            "commune": self.commune.code if self.commune else "", "site": self.site,
            "distribution": self.distribution.pk if self.distribution else None,
            "warehouse": self.warehouse.pk if self.warehouse else None,
        }


@dataclass
class Outcome:
    """What happened to one item: created (201), replayed (200), conflict (409), refused or invalid (422)."""

    index: int
    client_uuid: str
    status: str
    http: int
    delivery: Delivery | None = None
    errors: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    # For a voucher delivery just created: the voucher and its code (shown once, never stored).
    voucher: Any = None

    @property
    def ok(self) -> bool:
        return self.status in ("created", "replayed")


class DeliveryRefused(ValidationError):
    """A single delivery was not recorded; `outcome` says why."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.errors)
        self.outcome = outcome


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _bulk_audit(actor: Any, action: str, objects: Sequence[Any], organisation_id: int | None,
                fields: Sequence[str], reason: str = "") -> None:
    """One audit event per object in one insert: `audit_record`'s rows, for a thousand at once."""
    user = _user(actor)
    AuditEvent.objects.bulk_create([
        AuditEvent(actor=user, actor_username=user.get_username() if user else "", kind="create",
                   action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk),
                   organisation_id=organisation_id, reason=reason[:255], fields=sorted(fields))
        for obj in objects
    ])


def _recipient_facts(items: Sequence[DeliveryData]) -> tuple[dict[int, entitlements.Recipient],
                                                              dict[int, entitlements.Recipient]]:
    """What the rules look at, for every person and household of a batch, in a few queries."""
    person_ids = {d.person.pk for d in items if d.person}
    household_ids = {d.household.pk for d in items if d.household}
    members: dict[int, set[int]] = defaultdict(set)
    membership: dict[int, int] = {}
    for person_id, household_id in HouseholdMember.objects.filter(
            household_id__in=household_ids).values_list("person_id", "household_id"):
        members[household_id].add(person_id)
    for person_id, household_id in HouseholdMember.objects.filter(
            person_id__in=person_ids).values_list("person_id", "household_id"):
        membership[person_id] = household_id
        members[household_id].add(person_id)
    vulnerabilities: dict[int, set[int]] = defaultdict(set)
    through = Person.vulnerabilities.through
    for person_id, criterion_id in through.objects.filter(
            person_id__in=person_ids).values_list("person_id", "vulnerabilitycriterion_id"):
        vulnerabilities[person_id].add(criterion_id)
    people: dict[int, entitlements.Recipient] = {}
    households: dict[int, entitlements.Recipient] = {}
    for item in items:
        if item.person and item.person.pk not in people:
            p = item.person
            household_id = membership.get(p.pk)
            people[p.pk] = entitlements.Recipient(
                person_id=p.pk, household_id=household_id, sex=p.sex, age=age_on(p, item.delivered_on),
                region_id=p.region_id, vulnerability_ids=frozenset(vulnerabilities[p.pk]),
                member_ids=frozenset(members.get(household_id, ())) if household_id else frozenset(),
            )
        if item.household and item.household.pk not in households:
            households[item.household.pk] = entitlements.Recipient(
                person_id=None, household_id=item.household.pk,
                region_id=item.household.organisation.region_id if item.household.organisation_id else None,
                member_ids=frozenset(members.get(item.household.pk, ())),
            )
    return people, households


def _history(rules: Sequence[entitlements.Rule], items: Sequence[DeliveryData],
             recipients: Sequence[entitlements.Recipient]) -> entitlements.History:
    window = entitlements.widest_window(rules, {d.delivered_on for d in items})
    history = entitlements.History()
    if window is None:
        return history
    person_ids = {r.person_id for r in recipients if r.person_id} | {
        m for r in recipients for m in r.member_ids}
    household_ids = {r.household_id for r in recipients if r.household_id}
    type_ids = {r.type_id for r in rules} | {t for r in rules for t in r.excludes}
    rows = (Delivery.objects.filter(delivered_on__range=window, assistance_type_id__in=type_ids)
            .filter(Q(person_id__in=person_ids) | Q(household_id__in=household_ids))
            .values_list("assistance_type_id", "delivered_on", "quantity", "person_id", "household_id"))
    for type_id, on, quantity, person_id, household_id in rows:
        history.add(entitlements.Past(type_id, on, quantity, person_id, household_id))
    return history


def _consented(items: Sequence[DeliveryData]) -> set[int]:
    """People (and household heads) with an assistance basis in force."""
    heads = dict(HouseholdMember.objects.filter(
        household_id__in={d.household.pk for d in items if d.household}, relationship=Relationship.HEAD,
    ).values_list("household_id", "person_id"))
    person_ids = {d.person.pk for d in items if d.person} | set(heads.values())
    given = set(Consent.objects.filter(person_id__in=person_ids, purpose=Purpose.ASSISTANCE,
                                       status=Consent.Status.GIVEN).values_list("person_id", flat=True))
    return given | {-household for household, head in heads.items() if head in given}


def _components(type_ids: set[int]) -> dict[int, list[tuple[int, Decimal]]]:
    parts: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for kit_id, item_id, quantity in KitComponent.objects.filter(kit_id__in=type_ids).values_list(
            "kit_id", "item_id", "quantity"):
        parts[kit_id].append((item_id, quantity))
    return parts


def deliveries_record(*, actor: Any, organisation: Organisation, items: Sequence[DeliveryData],
                      source: str = Delivery.Source.WEB) -> list[Outcome]:
    """Record a batch of deliveries for `organisation` (the caller's, never from input).

    Each item is judged on its own and reported: a replay of a known client UUID with the
    same body returns the first delivery; with another body it is a conflict and nothing is
    overwritten; an item refused by a rule, consent or stock is reported with the reason and
    the others are still recorded. Retries once if a concurrent twin wins a unique constraint.
    """
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _record(actor, organisation, items, source)
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def _record(actor: Any, organisation: Organisation, items: Sequence[DeliveryData], source: str) -> list[Outcome]:
    user = _user(actor)
    may_override = scope_for(actor).role in OVERRIDERS if user else True
    outcomes: list[Outcome | None] = [None] * len(items)
    uuids = [d.client_uuid or uuid.uuid4() for d in items]
    digests = [data_digest(d.canonical()) for d in items]
    known = {row.client_uuid: row for row in Delivery.objects.filter(organisation=organisation,
                                                                     client_uuid__in=uuids)}
    seen_in_batch: dict[uuid.UUID, int] = {}
    fresh: list[int] = []
    for index, (key, digest) in enumerate(zip(uuids, digests, strict=True)):
        previous = known.get(key)
        if previous is None and key in seen_in_batch:
            twin = seen_in_batch[key]
            previous_digest = digests[twin]
            status = ("replayed", 200) if previous_digest == digest else ("conflict", 409)
            outcomes[index] = Outcome(index, str(key), *status, errors=[] if status[1] == 200 else [
                _("This client id was already used in this batch for a different delivery.")])
            continue
        if previous is not None:
            if previous.source_digest == digest:
                outcomes[index] = Outcome(index, str(key), "replayed", 200, delivery=previous)
            else:
                outcomes[index] = Outcome(index, str(key), "conflict", 409, errors=[
                    _("This client id was already used for a different delivery; nothing was changed.")])
            continue
        seen_in_batch[key] = index
        fresh.append(index)

    chosen = [items[i] for i in fresh]
    rules_by_programme: dict[int, list[entitlements.Rule]] = {}
    for programme_id in {d.programme.pk for d in chosen}:
        rules_by_programme[programme_id] = entitlements.load_rules(
            programme_id, {d.assistance_type.pk for d in chosen if d.programme.pk == programme_id})
    all_rules = [r for rules in rules_by_programme.values() for r in rules]
    people, households = _recipient_facts(chosen)
    history = _history(all_rules, chosen, [*people.values(), *households.values()])
    consented = _consented(chosen)
    parts = _components({d.assistance_type.pk for d in chosen})
    default_warehouses = list(Warehouse.objects.filter(organisation=organisation).values_list("pk", flat=True)[:2])

    accepted: list[tuple[int, Delivery, list[tuple[int, int, Decimal]]]] = []
    for index in fresh:
        data, key = items[index], uuids[index]
        errors: list[str] = []
        broken: list[str] = []
        if data.person is not None and data.person.merged_into_id is not None:
            # Callers resolve an absorbed code to its survivor (sync does, decision 0204);
            # one that did not gets told which code to use.
            errors.append(merged_message(data.person, actor))
        recipient = (people[data.person.pk] if data.person else households[data.household.pk])
        consent_key = data.person.pk if data.person else -data.household.pk
        if consent_key not in consented:
            errors.append(_("There is no consent or other legal basis in force for assistance for this "
                            "person (or the household's head)."))
        refusals = entitlements.evaluate(
            rules_by_programme.get(data.programme.pk, ()), type_id=data.assistance_type.pk,
            quantity=Decimal(data.quantity), on=data.delivered_on, recipient=recipient,
            history=history.relevant(recipient))
        override = data.override_reason.strip()
        if refusals and not (override and may_override):
            errors += [r.message for r in refusals]
            if override:
                errors.append(_("Only a programme manager or a partner coordinator may override a rule."))
        broken = [r.code for r in refusals]
        draws: list[tuple[int, int, Decimal]] = []
        if data.assistance_type.is_stocked and parts.get(data.assistance_type.pk):
            warehouse_id = (data.warehouse.pk if data.warehouse else
                            data.distribution.warehouse_id if data.distribution and data.distribution.warehouse_id
                            else default_warehouses[0] if len(default_warehouses) == 1 else None)
            if warehouse_id is None:
                errors.append(_("Choose the warehouse the kit is taken from."))
            else:
                draws = [(warehouse_id, item_id, per_kit * Decimal(data.quantity))
                         for item_id, per_kit in parts[data.assistance_type.pk]]
        value = data.value if data.value is not None else data.assistance_type.unit_value * Decimal(data.quantity)
        if voucher_issue.is_voucher(data.assistance_type):
            errors += voucher_issue.check(organisation=organisation, assistance_type=data.assistance_type,
                                          beneficiary=data.person or data.household)
            if value <= 0:
                errors.append(_("A voucher must have a value of more than zero."))
        if errors:
            outcomes[index] = Outcome(index, str(key), "refused", 422, errors=errors, rules=broken)
            continue
        delivery = Delivery(
            organisation=organisation, programme=data.programme, assistance_type=data.assistance_type,
            person=data.person, household=data.household, quantity=data.quantity, value=value,
            delivered_on=data.delivered_on, commune=data.commune, site=data.site,
            distribution=data.distribution, warehouse_id=draws[0][0] if draws else None,
            delivered_by=user, client_uuid=key, source_digest=digests[index], source=source,
            override_reason=override if refusals else "", overridden_by=user if refusals else None,
            broken_rules=broken,
        )
        accepted.append((index, delivery, draws))
        history.add(entitlements.Past(data.assistance_type.pk, data.delivered_on, Decimal(data.quantity),
                                      data.person.pk if data.person else None,
                                      data.household.pk if data.household else None))

    # Stock: lock every balance the batch touches once, in pk order; an item that would
    # overdraw is refused, the others go on.
    balances = lock_balances({(w, i) for _x, _d, draws in accepted for w, i, _q in draws})
    remaining = {key: b.quantity for key, b in balances.items()}
    kept: list[tuple[int, Delivery, list[tuple[int, int, Decimal]]]] = []
    for index, delivery, draws in accepted:
        short = [(w, i) for w, i, q in draws if remaining[(w, i)] < q]
        if short:
            outcomes[index] = Outcome(index, str(delivery.client_uuid), "refused", 422,
                                      errors=[_("Not enough stock in the warehouse for this kit.")], rules=["stock"])
            continue
        for w, i, q in draws:
            remaining[(w, i)] -= q
        kept.append((index, delivery, draws))

    created = Delivery.objects.bulk_create([d for _i, d, _draws in kept])
    if created and created[0].pk is None:  # databases that do not return ids (none of ours)
        raise AssertionError("bulk_create must return primary keys")
    movements = [StockMovement(warehouse_id=w, item_id=i, kind=StockMovement.Kind.DELIVERY, quantity=-q,
                               moved_on=d.delivered_on, delivery=d, created_by=user)
                 for _i, d, draws in kept for w, i, q in draws]
    StockMovement.objects.bulk_create(movements)
    for key, balance in balances.items():
        balance.quantity = remaining[key]
    if balances:
        StockBalance.objects.bulk_update(list(balances.values()), ["quantity"])
    _mark_targets([d for _i, d, _draws in kept])
    # Voucher deliveries become real vouchers in this same transaction (issue 6).
    vouchers = voucher_issue.issue(actor=actor, organisation=organisation, deliveries=[d for _i, d, _dr in kept])
    for index, delivery, _draws in kept:
        outcomes[index] = Outcome(index, str(delivery.client_uuid), "created", 201, delivery=delivery,
                                  rules=delivery.broken_rules, voucher=vouchers.get(delivery.pk))
    plain = [d for _i, d, _draws in kept if not d.override_reason]
    _bulk_audit(actor, "delivery.record", plain, organisation.pk, ["assistance_type", "quantity", "value"])
    for _i, delivery, _draws in kept:
        if delivery.override_reason:
            audit_record(actor=actor, kind="create", action="delivery.override", target=delivery,
                         organisation_id=organisation.pk, reason=delivery.override_reason,
                         fields=["rules:" + ",".join(delivery.broken_rules)])
    return [o for o in outcomes if o is not None]


def _mark_targets(deliveries: Sequence[Delivery]) -> None:
    by_distribution: dict[int, set[int]] = defaultdict(set)
    for delivery in deliveries:
        if delivery.distribution_id and delivery.person_id:
            by_distribution[delivery.distribution_id].add(delivery.person_id)
    now = timezone.now()
    for distribution_id, person_ids in by_distribution.items():
        DistributionTarget.objects.filter(distribution_id=distribution_id, person_id__in=person_ids).update(
            status=DistributionTarget.Status.DELIVERED, checked_in_at=now, reason="")


def delivery_record(*, actor: Any, organisation: Organisation, data: DeliveryData,
                    source: str = Delivery.Source.WEB) -> Delivery:
    """Record one delivery, or raise `DeliveryRefused` with the reasons in the user's language."""
    outcome = deliveries_record(actor=actor, organisation=organisation, items=[data], source=source)[0]
    if not outcome.ok or outcome.delivery is None:
        raise DeliveryRefused(outcome)
    return outcome.delivery


# --- Distributions ---------------------------------------------------------------------------

@transaction.atomic
def distribution_create(*, actor: Any, organisation: Organisation, programme: Programme, title: str,
                        planned_on: dt.date, site: str, types: Sequence[AssistanceType],
                        commune: Commune | None = None, warehouse: Warehouse | None = None) -> Distribution:
    if warehouse is not None and warehouse.organisation_id != organisation.pk:
        raise ValidationError(_("This warehouse is not your organisation's."))
    if not types:
        raise ValidationError(_("Choose at least one assistance type."))
    distribution = Distribution.objects.create(
        organisation=organisation, programme=programme, title=title, planned_on=planned_on, site=site,
        commune=commune, warehouse=warehouse, created_by=_user(actor),
    )
    distribution.types.set(types)
    audit_record(actor=actor, kind="create", action="distribution.create", target=distribution,
                 organisation_id=organisation.pk)
    return distribution


@transaction.atomic
def distribution_targets_set(*, actor: Any, distribution: Distribution, people: Sequence[Person],
                             filters: dict[str, Any]) -> int:
    """Replace a draft's target list with these people (already in the caller's scope)."""
    distribution = Distribution.objects.select_for_update().get(pk=distribution.pk)
    if distribution.status not in lifecycle.TARGETS_EDITABLE:
        raise ValidationError(_("The target list can only change while the distribution is a draft."))
    foreign = [p for p in people if p.organisation_id != distribution.organisation_id]
    if foreign:
        raise ValidationError(_("Some people are not in this association's caseload."))
    refuse_merged(*people, actor=actor)
    distribution.targets.all().delete()
    DistributionTarget.objects.bulk_create([DistributionTarget(distribution=distribution, person=p)
                                            for p in people])
    distribution.filters = filters
    distribution.save(update_fields=["filters"])
    audit_record(actor=actor, kind="change", action="distribution.targets", target=distribution,
                 organisation_id=distribution.organisation_id, fields=["targets"])
    return len(people)


@transaction.atomic
def distribution_move(*, actor: Any, distribution: Distribution, to: str, reason: str = "") -> Distribution:
    """Move a distribution along its lifecycle; closing marks everyone still expected as a no-show."""
    distribution = Distribution.objects.select_for_update().get(pk=distribution.pk)
    lifecycle.require_distribution_move(distribution, to)
    if to == Distribution.Status.APPROVED and not distribution.targets.exists():
        raise ValidationError(_("Build the target list before approving."))
    if to == Distribution.Status.CANCELLED and not reason.strip():
        raise ValidationError(_("Say why the distribution is cancelled."))
    if to == Distribution.Status.CLOSED:
        distribution.targets.filter(status=DistributionTarget.Status.PLANNED).update(
            status=DistributionTarget.Status.NO_SHOW)
    distribution.status = to
    distribution.status_changed_at = timezone.now()
    distribution.cancel_reason = reason.strip() if to == Distribution.Status.CANCELLED else ""
    distribution.save(update_fields=["status", "status_changed_at", "cancel_reason"])
    audit_record(actor=actor, kind="change", action=f"distribution.{to}", target=distribution,
                 organisation_id=distribution.organisation_id, reason=reason)
    return distribution


def distribution_check_in(*, actor: Any, distribution: Distribution, person: Person,
                          override_reason: str = "", client_uuid: uuid.UUID | None = None) -> list[Delivery]:
    """Deliver every type of the distribution to one expected person (one transaction)."""
    return [o.delivery for o in distribution_check_in_outcomes(
        actor=actor, distribution=distribution, person=person, override_reason=override_reason,
        client_uuid=client_uuid) if o.delivery is not None]


def distribution_check_in_outcomes(*, actor: Any, distribution: Distribution, person: Person,
                                   override_reason: str = "", client_uuid: uuid.UUID | None = None) -> list[Outcome]:
    """The same, with each delivery's outcome (and the voucher codes, given once, for voucher types)."""
    with transaction.atomic():
        # Read the state under a lock: a check-in racing the close either lands before it or is refused.
        distribution = Distribution.objects.select_for_update().get(pk=distribution.pk)
        return _check_in(actor, distribution, person, override_reason, client_uuid)


def _check_in(actor: Any, distribution: Distribution, person: Person, override_reason: str,
              client_uuid: uuid.UUID | None) -> list[Outcome]:
    if distribution.status not in lifecycle.CHECK_IN_OPEN:
        raise ValidationError(_("Check-in is open only while the distribution is in progress."))
    refuse_merged(person, actor=actor)  # the merge moved the place on the list to the survivor
    target = distribution.targets.filter(person=person).first()
    if target is None:
        raise ValidationError(_("This person is not on the distribution's list."))
    if target.status == DistributionTarget.Status.DELIVERED and client_uuid is None:
        # A second tap, or a browser re-sending the form: one person, one check-in.
        raise ValidationError(_("This person has already received the assistance."))
    items = [DeliveryData(programme=distribution.programme, assistance_type=kind,
                          delivered_on=distribution.planned_on, person=person, commune=distribution.commune,
                          site=distribution.site, distribution=distribution, warehouse=distribution.warehouse,
                          override_reason=override_reason,
                          client_uuid=uuid.uuid5(client_uuid, kind.code) if client_uuid else None)
             for kind in distribution.types.order_by("order", "code")]
    with transaction.atomic():
        outcomes = deliveries_record(actor=actor, organisation=distribution.organisation, items=items)
        failed = [o for o in outcomes if not o.ok]
        if failed:
            # All or nothing at the table: a person leaves with everything or is told why not.
            transaction.set_rollback(True)
    if failed:
        raise DeliveryRefused(Outcome(0, "", "refused", 422,
                                      errors=[e for o in failed for e in o.errors],
                                      rules=[r for o in failed for r in o.rules]))
    return outcomes


@transaction.atomic
def distribution_target_mark(*, actor: Any, distribution: Distribution, person: Person, status: str,
                             reason: str = "") -> DistributionTarget:
    """Record that an expected person refused the assistance (or undo a no-show)."""
    distribution = Distribution.objects.select_for_update().get(pk=distribution.pk)
    if distribution.status not in lifecycle.CHECK_IN_OPEN:
        raise ValidationError(_("Check-in is open only while the distribution is in progress."))
    if status not in (DistributionTarget.Status.REFUSED, DistributionTarget.Status.PLANNED):
        raise ValidationError(_("Unknown status."))
    target = DistributionTarget.objects.select_for_update().filter(distribution=distribution, person=person).first()
    if target is None:
        raise ValidationError(_("This person is not on the distribution's list."))
    if target.status == DistributionTarget.Status.DELIVERED:
        raise ValidationError(_("This person has already received the assistance."))
    target.status, target.reason = status, reason.strip()[:255]
    target.checked_in_at = timezone.now()
    target.save(update_fields=["status", "reason", "checked_in_at"])
    audit_record(actor=actor, kind="change", action=f"distribution.target_{status}", target=distribution,
                 organisation_id=distribution.organisation_id)
    return target


# --- Referrals (medical assistance) -----------------------------------------------------------

def _sharing_basis(person: Person, override_reason: str) -> str:
    try:
        require_consent(person, Purpose.REFERRAL)
    except ConsentRequired:
        if not override_reason.strip():
            raise ValidationError(_(
                "The person has not consented to referral and sharing. Record their consent, or give the "
                "reason for sharing without it (for example a vital interest); the override is audited."
            )) from None
        return "override"
    return "consent"


@transaction.atomic
def referral_create(*, actor: Any, organisation: Organisation, programme: Programme, person: Person,
                    facility: Organisation, category: str, referred_on: dt.date, cost_covered: Decimal = Decimal(0),
                    clinical_notes: str = "", override_reason: str = "") -> Referral:
    """Refer a person to a health facility; counts as one medical assistance (a delivery)."""
    if facility.kind != Organisation.Kind.HEALTH_FACILITY:
        raise ValidationError(_("Choose a health facility."))
    if person.organisation_id != organisation.pk and scope_for(actor).is_partner:
        raise ValidationError(_("This person is not in your caseload."))
    refuse_merged(person, actor=actor)
    if cost_covered < 0:
        raise ValidationError(_("The cost cannot be negative."))
    basis = _sharing_basis(person, override_reason)
    medical = AssistanceType.objects.filter(category="medical", modality="referral").order_by("order").first()
    delivery = None
    if medical is not None:
        delivery = delivery_record(actor=actor, organisation=organisation, data=DeliveryData(
            programme=programme, assistance_type=medical, delivered_on=referred_on, person=person,
            value=cost_covered))
    referral = Referral.objects.create(
        organisation=organisation, programme=programme, person=person, facility=facility, category=category,
        referred_on=referred_on, cost_covered=cost_covered, clinical_notes=clinical_notes, delivery=delivery,
        referred_by=_user(actor), sharing_basis=basis,
    )
    audit_record(actor=actor, kind="create", action="referral.create", target=referral,
                 organisation_id=organisation.pk, reason=override_reason if basis == "override" else "",
                 fields=["facility", "category", "cost_covered"] + (["clinical_notes"] if clinical_notes else []))
    return referral


@transaction.atomic
def referral_move(*, actor: Any, referral: Referral, to: str, on: dt.date | None = None,
                  proof_reference: str = "", cost_covered: Decimal | None = None) -> Referral:
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    lifecycle.require_referral_move(referral, to)
    if to == Referral.Status.CLOSED and not (proof_reference.strip() or referral.proof_reference
                                            or referral.proofs.exists()):
        raise ValidationError(_("Give the proof of service (receipt or invoice number, or its file) "
                                "before closing."))
    referral.status = to
    referral.status_changed_on = on or timezone.localdate()
    if proof_reference.strip():
        referral.proof_reference = proof_reference.strip()
    if cost_covered is not None:
        if cost_covered < 0:
            raise ValidationError(_("The cost cannot be negative."))
        referral.cost_covered = cost_covered
        if referral.delivery_id:
            Delivery.objects.filter(pk=referral.delivery_id).update(value=cost_covered)
    referral.save()
    audit_record(actor=actor, kind="change", action=f"referral.{to}", target=referral,
                 organisation_id=referral.organisation_id, fields=["status"])
    return referral


@transaction.atomic
def referral_share(*, actor: Any, referral: Referral, organisation: Organisation,
                   override_reason: str = "") -> ReferralShare:
    """Share a referral with another organisation: the person's consent, or an audited override."""
    if organisation.pk == referral.organisation_id:
        raise ValidationError(_("The referral already belongs to this organisation."))
    basis = _sharing_basis(referral.person, override_reason)
    share, created = ReferralShare.objects.get_or_create(
        referral=referral, organisation=organisation,
        defaults={"basis": basis, "reason": override_reason.strip()[:255] if basis == "override" else "",
                  "shared_by": _user(actor)},
    )
    audit_record(actor=actor, kind="export", action="referral.share", target=referral,
                 organisation_id=referral.organisation_id, reason=override_reason,
                 fields=[f"shared_with:{organisation.code}", f"basis:{basis}"])
    return share
