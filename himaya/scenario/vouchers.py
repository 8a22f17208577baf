"""Demo layer: the reference scenario's food vouchers as real vouchers.

One voucher per "food voucher" delivery that the assistance layer recorded (same
partner, person, value and day), or, without that layer, distributions generated
here with more in 2020 (COVID-19). Most are spent at the grocery of the partner's
region in one to three visits; some expire with money left, some are lost and
reissued, a few cancelled, a few spent in another region. One distribution is
spent within half an hour of issuing at one shop, so that the anomaly flags have
something to show. Each vendor gets a monthly statement, paid, which reconciles
with the redemptions. Written with bulk_create: the whole layer takes seconds.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from himaya.audit.services import audit_record
from himaya.organisations.models import Organisation
from himaya.registry.models import Consent, Person, Purpose
from himaya.scenario.world import DemoWorld
from himaya.vouchers import codes
from himaya.vouchers.lifecycle import Status
from himaya.vouchers.models import (
    Category,
    IssueBatch,
    Redemption,
    Statement,
    VendorContract,
    Voucher,
    VoucherEvent,
)

CASABLANCA = ZoneInfo("Africa/Casablanca")
VALIDITY_DAYS = 60
GROCERY = [Category.FOOD, Category.HYGIENE, Category.BABY]
PHARMACY = [Category.MEDICATION, Category.HYGIENE, Category.BABY]


@dataclass(eq=False)  # identity: plans are compared as objects, never by value
class Plan:
    """One voucher to write, and what happens to it."""

    partner: Organisation
    person_id: int | None
    household_id: int | None
    value: Decimal
    issued_at: dt.datetime
    batch_key: Any
    delivery_id: int | None = None
    actor: Any = None
    spends: list[tuple[dt.datetime, Organisation, Decimal]] = field(default_factory=list)
    fate: str = "spent"  # spent | expired | cancelled | lost (reissued)
    replacement: Plan | None = None
    replaces: Plan | None = None
    voucher: Voucher | None = None


def _at(day: dt.date, rng: random.Random, start_hour: int = 9, end_hour: int = 20) -> dt.datetime:
    minute = rng.randrange(start_hour * 60, end_hour * 60)
    return dt.datetime.combine(day, dt.time(minute // 60, minute % 60, rng.randrange(60)), CASABLANCA)


def _contracts(vendors: list[Organisation]) -> None:
    VendorContract.objects.bulk_create([
        VendorContract(
            vendor=vendor, categories=sorted(PHARMACY if vendor.code.startswith("pharmacie") else GROCERY),
            signed_on=dt.date(2019, 5, 15),
        )
        for vendor in vendors
    ])


def _from_deliveries(world: DemoWorld) -> list[Plan]:
    """One plan per food-voucher delivery of the assistance layer, if there are any."""
    try:
        from himaya.assistance.models import Delivery
    except ImportError:
        return []
    partners = {p.pk: p for p in world["partners"]}
    rng = world.rng
    plans = []
    rows = (
        Delivery.objects.filter(assistance_type__code="food-voucher", organisation_id__in=partners)
        .order_by("delivered_on", "pk")
        .values("pk", "organisation_id", "person_id", "household_id", "value", "delivered_on",
                "distribution_id", "delivered_by_id")
    )
    issue_time: dict[Any, dt.datetime] = {}
    for row in rows:
        key = row["distribution_id"] or (row["organisation_id"], row["delivered_on"])
        # A distribution's vouchers are handed out together, in the morning.
        if key not in issue_time:
            issue_time[key] = _at(row["delivered_on"], rng, 9, 12)
        plans.append(Plan(
            partner=partners[row["organisation_id"]], person_id=row["person_id"],
            household_id=row["household_id"], value=row["value"] or Decimal("500"),
            issued_at=issue_time[key],
            batch_key=key,
            delivery_id=row["pk"], actor=row["delivered_by_id"],
        ))
    return plans


def _generated(world: DemoWorld) -> list[Plan]:
    """Without assistance deliveries: monthly distributions, more vouchers in 2020."""
    rng = world.rng
    partners = list(world["partners"])
    people_ids = world.objects.get("people") or list(Person.objects.values_list("pk", flat=True))
    consenting = set(Consent.objects.filter(
        person_id__in=people_ids, purpose=Purpose.ASSISTANCE, status=Consent.Status.GIVEN,
    ).values_list("person_id", flat=True))
    by_partner: dict[int, list[int]] = defaultdict(list)
    for pk, organisation_id in Person.objects.filter(pk__in=consenting).values_list("pk", "organisation_id"):
        by_partner[organisation_id].append(pk)
    plans = []
    month = dt.date(2019, 6, 1)
    while month <= dt.date(2022, 11, 1):
        covid = dt.date(2020, 3, 1) <= month <= dt.date(2021, 6, 1)
        for partner in partners:
            pool = sorted(by_partner.get(partner.pk, []))
            if not pool or rng.random() < 0.35:
                continue
            size = min(len(pool), rng.randint(25, 45) if covid else rng.randint(6, 14))
            day = month.replace(day=rng.randint(5, 25))
            issued_at = _at(day, rng, 9, 12)
            for person_id in rng.sample(pool, size):
                plans.append(Plan(partner=partner, person_id=person_id, household_id=None,
                                  value=Decimal(rng.choice([300, 400, 500])), issued_at=issued_at,
                                  batch_key=(partner.pk, day)))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return plans


def _spend(plan: Plan, amount: Decimal, start: dt.datetime, shop: Organisation, rng: random.Random,
           days: int) -> None:
    """Spend `amount` in one to three visits within `days` of `start`."""
    visits = rng.choice([1, 1, 2, 2, 3])
    moments = sorted(start + dt.timedelta(days=rng.randint(0, days), minutes=rng.randint(0, 600))
                     for _ in range(visits))
    left = amount
    for index, moment in enumerate(moments):
        part = left if index == visits - 1 else (left * Decimal(rng.choice([30, 40, 50, 60])) / 100).quantize(Decimal("1"))
        if part <= 0:
            continue
        plan.spends.append((moment, shop, part))
        left -= part


def _decide(plans: list[Plan], world: DemoWorld) -> list[Plan]:
    rng = world.rng
    groceries = {v.region_id: v for v in world["vendors"] if v.code.startswith("epicerie")}
    all_groceries = list(groceries.values())
    # One distribution spent within half an hour at one shop: what the flags should catch.
    batches = defaultdict(list)
    for plan in plans:
        batches[plan.batch_key].append(plan)
    rushed = next((b for b in sorted(batches.values(), key=lambda b: b[0].issued_at)
                   if len(b) >= 20 and b[0].issued_at.year == 2020), None)
    # And one distribution of 2021 mostly spent at a grocery of a far region.
    far = next((b for b in sorted(batches.values(), key=lambda b: b[0].issued_at)
                if len(b) >= 10 and b[0].issued_at.year == 2021), [])
    far_shop = max(all_groceries, key=lambda g: abs((g.region_id or 0) - (far[0].partner.region_id or 0))) if far else None
    far_ids = {id(p) for p in far[: len(far) * 2 // 3]}
    replacements = []
    for plan in plans:
        shop = groceries.get(plan.partner.region_id) or all_groceries[0]
        if id(plan) in far_ids:
            shop = far_shop
        elif rng.random() < 0.02:
            shop = rng.choice([g for g in all_groceries if g is not shop] or all_groceries)
        start = plan.issued_at + dt.timedelta(hours=1)
        if rushed and plan in rushed:
            moment = plan.issued_at + dt.timedelta(minutes=3, seconds=20 * rushed.index(plan))
            plan.spends.append((moment, groceries.get(plan.partner.region_id, shop), plan.value))
            continue
        draw = rng.random()
        if draw < 0.84:
            _spend(plan, plan.value, start, shop, rng, 40)
        elif draw < 0.90:  # partly spent, the rest expires
            plan.fate = "expired"
            _spend(plan, (plan.value * Decimal(rng.choice([40, 60, 80])) / 100).quantize(Decimal("1")),
                   start, shop, rng, 40)
        elif draw < 0.94:  # never used
            plan.fate = "expired"
        elif draw < 0.975:  # card lost after a first visit: reissued for what was left
            plan.fate = "lost"
            first = (plan.value * Decimal(rng.choice([0, 30, 50])) / 100).quantize(Decimal("1"))
            if first:
                plan.spends.append((start + dt.timedelta(days=rng.randint(0, 10)), shop, first))
            lost_at = start + dt.timedelta(days=rng.randint(11, 20))
            new = Plan(partner=plan.partner, person_id=plan.person_id, household_id=plan.household_id,
                       value=plan.value - first, issued_at=lost_at, batch_key=None, actor=plan.actor,
                       replaces=plan)
            plan.replacement = new
            _spend(new, new.value, lost_at + dt.timedelta(hours=2), shop, rng, 30)
            replacements.append(new)
        else:  # cancelled (left the region, issued in error)
            plan.fate = "cancelled"
    return plans + replacements


def _insert(model: type[Any], objects: list[Any], attnames: list[str]) -> None:
    """Plain executemany for the tens of thousands of ledger rows: bulk_create's per-object
    work is most of this layer's time, and these rows need no primary key back."""
    from django.db import connection

    for obj in objects:  # bind foreign keys to the primary keys saved above
        for name in attnames:
            if name.endswith("_id") and getattr(obj, name) is None:
                related = getattr(obj, name[:-3], None)
                if related is not None:
                    setattr(obj, name, related.pk)
    fields = [model._meta.get_field(name.removesuffix("_id")) if name.endswith("_id") else
              model._meta.get_field(name) for name in attnames]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    # Table and column names come from the model's metadata; values are parameters.
    sql = (f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) "  # noqa: S608
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    rows = [
        [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start:start + 5000])


def build(world: DemoWorld) -> None:
    vendors = list(world["vendors"])
    _contracts(vendors)
    plans = _from_deliveries(world) or _generated(world)
    if not plans:
        return
    plans = _decide(plans, world)
    actors = {}
    for partner in world["partners"]:
        actors[partner.pk] = world.objects.get(f"user:{partner.code.removeprefix('asso-')}-coord")

    # Batches: one per distribution with more than one voucher.
    batch_of: dict[Any, IssueBatch] = {}
    sizes: dict[Any, int] = defaultdict(int)
    for plan in plans:
        if plan.batch_key is not None:
            sizes[plan.batch_key] += 1
    for plan in plans:
        key = plan.batch_key
        if key is not None and sizes[key] > 1 and key not in batch_of:
            batch_of[key] = IssueBatch(partner=plan.partner, label=f"Distribution {plan.issued_at:%d/%m/%Y}",
                                       created_at=plan.issued_at, created_by=actors.get(plan.partner.pk),
                                       size=sizes[key])
    IssueBatch.objects.bulk_create(batch_of.values(), batch_size=2000)

    now = dt.datetime.now(CASABLANCA)
    for plan in plans:
        code = codes.new_code()  # printed on the card at the time; never stored
        valid_until = plan.issued_at.date() + dt.timedelta(days=VALIDITY_DAYS)
        spent = sum((amount for _m, _s, amount in plan.spends), Decimal("0"))
        balance = plan.value - spent
        if plan.fate in ("cancelled", "lost"):
            status = Status.CANCELLED
        elif balance == 0:
            status = Status.REDEEMED
        elif valid_until < now.date():
            status = Status.EXPIRED
        else:
            status = Status.PARTLY_REDEEMED if spent else Status.ISSUED
        plan.voucher = Voucher(
            code_digest=codes.lookup_digest(code), code_hint=codes.hint(code), partner=plan.partner,
            person_id=plan.person_id, household_id=plan.household_id, category=Category.FOOD,
            value=plan.value, balance=balance, valid_from=plan.issued_at.date(), valid_until=valid_until,
            status=status, batch=batch_of.get(plan.batch_key), delivery_id=plan.delivery_id,
            issued_at=plan.issued_at, issued_by=actors.get(plan.partner.pk),
        )
    originals = [p for p in plans if p.replaces is None]
    Voucher.objects.bulk_create([p.voucher for p in originals], batch_size=2000)
    for plan in plans:
        if plan.replaces is not None:
            plan.voucher.replaces = plan.replaces.voucher
    Voucher.objects.bulk_create([p.voucher for p in plans if p.replaces is not None], batch_size=2000)

    # Redemptions, grouped into monthly statements per vendor.
    redemptions: list[Redemption] = []
    events: list[VoucherEvent] = []
    for index, plan in enumerate(plans):
        voucher = plan.voucher
        actor = actors.get(plan.partner.pk)
        events.append(VoucherEvent(voucher=voucher, kind=VoucherEvent.Kind.ISSUED, at=plan.issued_at, actor=actor,
                                   amount=plan.value, balance_after=plan.value, related_voucher=(
                                       plan.replaces.voucher if plan.replaces else None)))
        left = plan.value
        for number, (moment, shop, amount) in enumerate(sorted(plan.spends, key=lambda s: s[0])):
            left -= amount
            redemptions.append(Redemption(voucher=voucher, vendor=shop, amount=amount, balance_after=left,
                                          at=moment, idempotency_key=f"demo-{index}-{number}"))
            events.append(VoucherEvent(voucher=voucher, kind=VoucherEvent.Kind.REDEEMED, at=moment,
                                       vendor=shop, amount=amount, balance_after=left))
        end = dt.datetime.combine(voucher.valid_until + dt.timedelta(days=1), dt.time(2, 0), CASABLANCA)
        if plan.fate == "cancelled":
            events.append(VoucherEvent(voucher=voucher, kind=VoucherEvent.Kind.CANCELLED,
                                       at=plan.issued_at + dt.timedelta(days=7), actor=actor, balance_after=left,
                                       reason="Personne partie de la région"))
        elif plan.fate == "lost":
            at = plan.replacement.issued_at
            events += [
                VoucherEvent(voucher=voucher, kind=VoucherEvent.Kind.CANCELLED, at=at, actor=actor,
                             balance_after=left, reason="Bon perdu"),
                VoucherEvent(voucher=voucher, kind=VoucherEvent.Kind.REISSUED, at=at, actor=actor,
                             balance_after=left, related_voucher=plan.replacement.voucher, reason="Bon perdu"),
            ]
        elif voucher.status == Status.EXPIRED:
            events.append(VoucherEvent(voucher=voucher, kind=VoucherEvent.Kind.EXPIRED, at=end, balance_after=left))

    statements: dict[tuple[int, dt.date], Statement] = {}
    for redemption in redemptions:
        local = redemption.at.astimezone(CASABLANCA).date()
        month = local.replace(day=1)
        key = (redemption.vendor.pk, month)
        statement = statements.get(key)
        if statement is None:
            last_day = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
            statement = statements[key] = Statement(
                vendor=redemption.vendor, period_start=month, period_end=last_day, total=Decimal("0"), count=0,
                status=Statement.Status.PAID,
                paid_at=dt.datetime.combine(last_day + dt.timedelta(days=15), dt.time(11), CASABLANCA),
                payment_reference=f"VIR-{month:%Y%m}-{redemption.vendor.code[:20]}",
            )
        statement.total += redemption.amount
        statement.count += 1
        redemption.statement = statement
    Statement.objects.bulk_create(statements.values(), batch_size=2000)
    _insert(Redemption, redemptions, ["voucher_id", "vendor_id", "amount", "balance_after", "at",
                                      "idempotency_key", "statement_id"])
    _insert(VoucherEvent, events, ["voucher_id", "kind", "at", "actor_id", "vendor_id", "amount",
                                   "balance_after", "reason", "related_voucher_id"])
    audit_record(actor=None, kind="create", action="vouchers.demo_build", object_type="vouchers.voucher",
                 reason=f"{len(plans)} vouchers, {len(redemptions)} redemptions, {len(statements)} statements")
    world["vouchers"] = len(plans)
