"""Demo layer: the RDPP's assistance, 2019–2022, from the people the registry layer made.

Monthly distributions by each of the 15 associations (food kits or food vouchers for
households, hygiene kits each quarter), with no-shows and refusals; referrals to the
health centres of each region (medical assistance); one warehouse per association
whose receipts, distributions, transfers and losses add up to its balances. From
April 2020 to the end of that year (COVID-19) in-kind distributions drop and food
vouchers rise. Every figure comes from the rows written here; the entitlement rules
declared for the programme hold for every generated delivery except a few overrides,
which carry their reason.

Rows go in with bulk inserts (one service call per delivery would take minutes); the
rules, stock arithmetic and lifecycle are respected by construction and checked by
tests/test_demo_scenario.py and tests/assistance/test_demo_assistance.py.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from himaya.assistance.models import (
    AssistanceType,
    Delivery,
    Distribution,
    DistributionTarget,
    EntitlementRule,
    KitComponent,
    Referral,
    StockBalance,
    StockMovement,
    Warehouse,
)
from himaya.audit.services import audit_record
from himaya.registry.models import Consent, HouseholdMember, Person, Purpose, Relationship
from himaya.scenario.world import DemoWorld

FIRST_MONTH = dt.date(2019, 4, 1)
LAST_MONTH = dt.date(2022, 11, 1)
COVID = (dt.date(2020, 4, 1), dt.date(2020, 12, 1))
# Direct assistances to generate (a little above the 22,100 the programme reported) and referrals.
DIRECT_TARGET = 23_300
MEDICAL_TARGET = 4_350
NOTES = [
    "Suivi prénatal, orientation vers la maternité.",
    "Consultation de médecine générale ; traitement prescrit.",
    "Suivi d'une maladie chronique (diabète).",
    "Soins d'urgence après une blessure.",
    "Consultation psychologique ; suivi proposé.",
]
CATEGORY_COSTS = {
    Referral.MedicalCategory.PRIMARY: (80, 400, 30),
    Referral.MedicalCategory.MATERNAL: (300, 1800, 18),
    Referral.MedicalCategory.CHRONIC: (200, 1200, 14),
    Referral.MedicalCategory.EMERGENCY: (400, 3000, 10),
    Referral.MedicalCategory.MENTAL: (150, 600, 8),
    Referral.MedicalCategory.MEDICATION: (50, 500, 20),
}


# Every column of a delivery but its id (the demo never needs the ids of these rows).
DELIVERY_COLUMNS = [
    "organisation", "programme", "assistance_type", "person", "household", "quantity", "value", "delivered_on",
    "commune", "site", "distribution", "warehouse", "delivered_by", "client_uuid", "source_digest", "source",
    "override_reason", "overridden_by", "broken_rules", "created_at",
]


def months() -> list[dt.date]:
    out, day = [], FIRST_MONTH
    while day <= LAST_MONTH:
        out.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return out


def in_covid(month: dt.date) -> bool:
    return COVID[0] <= month <= COVID[1]


def _uuid(rng: Any) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _insert(model: type[Model], rows: list[Model], fields: list[str]) -> None:
    """INSERT many rows with one prepared statement, without Django's per-object machinery
    (most of this layer's time with `bulk_create`). Values still go through each field's
    own conversion for the database (decimals, UUIDs, JSON, dates), so SQLite and PostgreSQL
    store exactly what `bulk_create` would. For rows whose primary keys are not needed."""
    concrete = [model._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    # Names come from the model, values are parameters.
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in concrete)}) "  # noqa: S608
           f"VALUES ({', '.join(['%s'] * len(concrete))})")
    attnames = [f.attname for f in concrete]
    # Convert each distinct value once per column: most columns repeat a handful of values.
    cache: list[dict[Any, Any]] = [{} for _ in concrete]

    def prepared(row: Model) -> tuple[Any, ...]:
        values = []
        for index, (field, attname) in enumerate(zip(concrete, attnames, strict=True)):
            value = getattr(row, attname)
            key = value if not isinstance(value, (list, dict)) else repr(value)
            seen = cache[index]
            if key not in seen:
                seen[key] = field.get_db_prep_save(value, connection)
            values.append(seen[key])
        return tuple(values)

    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, [prepared(row) for row in rows[start:start + 5000]])


def _rules(programme: Any, types: dict[str, AssistanceType]) -> None:
    """The RDPP's entitlement rules, as data (editable in the admin)."""
    food_kit = EntitlementRule.objects.create(programme=programme, assistance_type=types["food-kit"],
                                              period="month", max_per_household=1)
    food_kit.excludes.set([types["food-voucher"]])
    voucher = EntitlementRule.objects.create(programme=programme, assistance_type=types["food-voucher"],
                                             period="month", max_per_household=1)
    voucher.excludes.set([types["food-kit"]])
    EntitlementRule.objects.create(programme=programme, assistance_type=types["hygiene-kit"], period="quarter",
                                   max_per_person=1)


def build(world: DemoWorld) -> None:
    rng = world.rng
    programme = world["programme"]
    partners = list(world["partners"])
    types = {t.code: t for t in AssistanceType.objects.filter(
        code__in=["food-kit", "food-voucher", "hygiene-kit", "medical-assistance"])}
    _rules(programme, types)
    people_ids = world.objects.get("people") or list(Person.objects.values_list("pk", flat=True))
    people = {row["pk"]: row for row in Person.objects.filter(pk__in=people_ids).values(
        "pk", "organisation_id", "region_id", "commune_id")}
    assisted = set(Consent.objects.filter(person_id__in=people, purpose=Purpose.ASSISTANCE,
                                          status=Consent.Status.GIVEN).values_list("person_id", flat=True))
    shareable = set(Consent.objects.filter(person_id__in=people, purpose=Purpose.REFERRAL,
                                           status=Consent.Status.GIVEN).values_list("person_id", flat=True))
    heads: dict[int, list[int]] = defaultdict(list)  # partner → heads of household with an assistance basis
    adults: dict[int, list[int]] = defaultdict(list)
    for person_id, relationship in HouseholdMember.objects.filter(person_id__in=people).values_list(
            "person_id", "relationship"):
        if person_id not in assisted:
            continue
        organisation_id = people[person_id]["organisation_id"]
        if relationship == Relationship.HEAD:
            heads[organisation_id].append(person_id)
        if relationship in (Relationship.HEAD, Relationship.SPOUSE):
            adults[organisation_id].append(person_id)
    for lists in (heads, adults):
        for values in lists.values():
            values.sort()

    coordinators = {p.pk: world.objects.get(f"user:{p.code.removeprefix('asso-')}-coord") for p in partners}
    agents = {p.pk: world.objects.get(f"user:{p.code.removeprefix('asso-')}-agent") for p in partners}
    warehouses = {p.pk: Warehouse(organisation=p, name=f"Dépôt – {p.name_fr.rsplit(' ', 1)[-1]}")
                  for p in partners}
    Warehouse.objects.bulk_create(warehouses.values())
    components = defaultdict(list)
    for part in KitComponent.objects.filter(kit__in=[types["food-kit"], types["hygiene-kit"]]):
        components[part.kit_id].append((part.item_id, part.quantity))

    calendar = months()
    weights = {m: (0.6 if m.year == 2019 else 1.0) * (1.15 if in_covid(m) else 1.0) for m in calendar}
    total_weight = sum(weights.values())
    partner_share = {p.pk: 0.7 + rng.random() * 0.6 for p in partners}
    share_total = sum(partner_share.values())

    distributions: list[Distribution] = []
    deliveries: list[Delivery] = []
    plan: list[tuple[Distribution, list[tuple[int, str]], set[int], set[int]]] = []
    # (warehouse, item) → {month: quantity drawn}, for receipts planned ahead of need.
    drawn: dict[tuple[int, int], dict[dt.date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    hygiene_quarter: dict[tuple[int, int], set[int]] = defaultdict(set)

    for month in calendar:
        month_total = DIRECT_TARGET * weights[month] / total_weight
        voucher_share = 0.75 if in_covid(month) else (0.15 if month.year == 2019 else 0.3)
        hygiene_share = 0.12 if in_covid(month) else 0.24
        quarter = (month.year, (month.month - 1) // 3)
        for partner in partners:
            count = month_total * partner_share[partner.pk] / share_total
            food = round(count * (1 - hygiene_share) * (0.9 + rng.random() * 0.2))
            hygiene = round(count * hygiene_share * (0.9 + rng.random() * 0.2))
            pool = heads[partner.pk]
            if not pool:
                continue
            day = month.replace(day=rng.randint(5, 25))
            distribution = Distribution(
                organisation=partner, programme=programme, title=f"Distribution {month:%m/%Y}",
                planned_on=day, site=f"Local de l'association – {partner.name_fr.rsplit(' ', 1)[-1]}",
                status=Distribution.Status.CLOSED, warehouse=warehouses[partner.pk],
                created_by=coordinators[partner.pk],
            )
            distributions.append(distribution)
            food_people = rng.sample(pool, min(food, len(pool)))
            served = hygiene_quarter[(partner.pk, quarter[0] * 4 + quarter[1])]
            hygiene_pool = [p for p in adults[partner.pk] if p not in served]
            hygiene_people = rng.sample(hygiene_pool, min(hygiene, len(hygiene_pool)))
            served.update(hygiene_people)
            given: list[tuple[int, str]] = []
            for person_id in food_people:
                given.append((person_id, "food-voucher" if rng.random() < voucher_share else "food-kit"))
            given += [(person_id, "hygiene-kit") for person_id in hygiene_people]
            recipients = {p for p, _c in given}
            others = [p for p in pool if p not in recipients]
            no_shows = set(rng.sample(others, min(len(others), max(0, round(len(recipients) * 0.06)))))
            refusals = set(rng.sample(sorted(set(others) - no_shows),
                                      min(len(others) - len(no_shows), round(len(recipients) * 0.012 + rng.random()))))
            plan.append((distribution, given, no_shows, refusals))
            for _person_id, code in given:
                kind = types[code]
                for item_id, per_kit in components.get(kind.pk, ()):
                    drawn[(warehouses[partner.pk].pk, item_id)][month] += per_kit

    Distribution.objects.bulk_create(distributions, batch_size=1000)
    Distribution.types.through.objects.bulk_create([
        Distribution.types.through(distribution_id=d.pk, assistancetype_id=types[c].pk)
        for d in distributions for c in ("food-kit", "food-voucher", "hygiene-kit")
    ], batch_size=2000)
    targets: list[DistributionTarget] = []
    for distribution, given, no_shows, refusals in plan:
        person_ids = sorted({p for p, _c in given})
        targets += [DistributionTarget(distribution=distribution, person_id=p,
                                       status=DistributionTarget.Status.DELIVERED) for p in person_ids]
        targets += [DistributionTarget(distribution=distribution, person_id=p,
                                       status=DistributionTarget.Status.NO_SHOW) for p in sorted(no_shows)]
        targets += [DistributionTarget(distribution=distribution, person_id=p,
                                       status=DistributionTarget.Status.REFUSED,
                                       reason="Ne souhaite pas ce kit") for p in sorted(refusals)]
        agent = agents[distribution.organisation_id]
        for person_id, code in given:
            kind = types[code]
            person = people[person_id]
            deliveries.append(Delivery(
                organisation_id=distribution.organisation_id, programme=programme, assistance_type=kind,
                person_id=person_id, quantity=Decimal(1), value=kind.unit_value, delivered_on=distribution.planned_on,
                commune_id=person["commune_id"], site=distribution.site, distribution=distribution,
                warehouse=distribution.warehouse if kind.modality == "in_kind" else None, delivered_by=agent,
                client_uuid=_uuid(rng), source=Delivery.Source.DEMO,
            ))
    _insert(DistributionTarget, targets, ["distribution", "person", "status", "reason", "checked_in_at"])

    # A few deliveries made despite a rule, by the coordinator, with the reason written down.
    overrides = 0
    for distribution, given, _n, _r in plan[::97]:
        food = [(p, c) for p, c in given if c == "food-kit"]
        if not food:
            continue
        person_id, _code = food[0]
        deliveries.append(Delivery(
            organisation_id=distribution.organisation_id, programme=programme, assistance_type=types["food-kit"],
            person_id=person_id, quantity=Decimal(1), value=types["food-kit"].unit_value,
            delivered_on=distribution.planned_on, site=distribution.site, distribution=distribution,
            warehouse=distribution.warehouse, delivered_by=coordinators[distribution.organisation_id],
            client_uuid=_uuid(rng), source=Delivery.Source.DEMO, broken_rules=["max_per_household"],
            override_reason="Ménage de sept personnes hébergeant une famille arrivée cette semaine.",
            overridden_by=coordinators[distribution.organisation_id],
        ))
        month = distribution.planned_on.replace(day=1)
        for item_id, per_kit in components[types["food-kit"].pk]:
            drawn[(distribution.warehouse.pk, item_id)][month] += per_kit
        overrides += 1
    created_at = timezone.now()
    for delivery in deliveries:
        delivery.created_at = created_at
    _insert(Delivery, deliveries, DELIVERY_COLUMNS)

    _referrals(world, rng, programme, partners, people, shareable, types["medical-assistance"], calendar, weights,
               coordinators)
    _stock(world, rng, partners, warehouses, drawn, deliveries)
    audit_record(actor=None, kind="create", action="assistance.demo_build", object_type="assistance.delivery",
                 reason=f"{len(deliveries)} deliveries, {overrides} overrides, {len(distributions)} distributions")
    world["warehouses"] = list(warehouses.values())
    world["distributions"] = [d.pk for d in distributions]


def _referrals(world: DemoWorld, rng: Any, programme: Any, partners: list[Any], people: dict[int, dict[str, Any]],
               shareable: set[int], medical: AssistanceType, calendar: list[dt.date],
               weights: dict[dt.date, float], coordinators: dict[int, Any]) -> None:
    facilities = defaultdict(list)
    for facility in world["health_facilities"]:
        facilities[facility.region_id].append(facility)
    by_partner: dict[int, list[int]] = defaultdict(list)
    for person_id in sorted(shareable):
        by_partner[people[person_id]["organisation_id"]].append(person_id)
    total_weight = sum(weights.values())
    categories = [c for c, (_lo, _hi, w) in CATEGORY_COSTS.items() for _ in range(w)]
    referrals: list[Referral] = []
    deliveries: list[Delivery] = []
    last_day = dt.date(2022, 12, 15)
    for month in calendar:
        count = MEDICAL_TARGET * weights[month] / total_weight
        for partner in partners:
            pool = by_partner.get(partner.pk)
            if not pool or not facilities.get(partner.region_id):
                continue
            for _ in range(round(count / len(partners) * (0.8 + rng.random() * 0.4))):
                person_id = rng.choice(pool)
                category = rng.choice(categories)
                low, high, _w = CATEGORY_COSTS[category]
                cost = Decimal(rng.randrange(low, high, 10))
                day = month.replace(day=rng.randint(1, 28))
                age = (last_day - day).days
                roll = rng.random()
                status = (Referral.Status.REFERRED if age < 30 and roll < 0.6 else
                          Referral.Status.NOT_ATTENDED if roll < 0.07 else
                          Referral.Status.ATTENDED if roll < 0.15 else Referral.Status.CLOSED)
                delivery = Delivery(
                    organisation=partner, programme=programme, assistance_type=medical, person_id=person_id,
                    quantity=Decimal(1), value=cost, delivered_on=day, commune_id=people[person_id]["commune_id"],
                    delivered_by=coordinators[partner.pk], client_uuid=_uuid(rng), source=Delivery.Source.DEMO,
                )
                deliveries.append(delivery)
                referrals.append(Referral(
                    organisation=partner, programme=programme, person_id=person_id,
                    facility=rng.choice(facilities[partner.region_id]), category=category, referred_on=day,
                    cost_covered=cost, status=status,
                    status_changed_on=None if status == Referral.Status.REFERRED else day + dt.timedelta(
                        days=rng.randint(1, 20)),
                    proof_reference=f"FAC-{day:%Y%m}-{rng.randrange(10**5):05d}" if status == "closed" else "",
                    clinical_notes=rng.choice(NOTES) if rng.random() < 0.2 else "",
                    delivery=delivery, referred_by=coordinators[partner.pk],
                ))
    Delivery.objects.bulk_create(deliveries, batch_size=2000)
    Referral.objects.bulk_create(referrals, batch_size=2000)


def _stock(world: DemoWorld, rng: Any, partners: list[Any], warehouses: dict[int, Warehouse],
           drawn: dict[tuple[int, int], dict[dt.date, Decimal]], deliveries: list[Delivery]) -> None:
    """Receipts each quarter ahead of the distributions, a few losses and transfers; one
    movement per distribution and item (the demo's deliveries draw from stock as a batch)."""
    movements: list[StockMovement] = []
    # Per-distribution draws, from the in-kind deliveries written above.
    per_distribution: dict[tuple[int, int, int, dt.date], Decimal] = defaultdict(Decimal)
    components = defaultdict(list)
    for part in KitComponent.objects.all():
        components[part.kit_id].append((part.item_id, part.quantity))
    for delivery in deliveries:
        if delivery.warehouse_id is None:
            continue
        for item_id, per_kit in components.get(delivery.assistance_type_id, ()):
            per_distribution[(delivery.warehouse_id, item_id, delivery.distribution_id, delivery.delivered_on)] += (
                per_kit * delivery.quantity)
    events: dict[tuple[int, int], list[tuple[dt.date, int, Decimal, str, str, int | None]]] = defaultdict(list)
    for (warehouse_id, item_id, distribution_id, day), quantity in per_distribution.items():
        events[(warehouse_id, item_id)].append((day, 2, -quantity, StockMovement.Kind.DELIVERY,
                                                f"Distribution #{distribution_id}", None))
    for key, by_month in drawn.items():
        quarters: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        for month, quantity in by_month.items():
            quarters[(month.year, (month.month - 1) // 3)] += quantity
        for (year, q), quantity in quarters.items():
            received_on = dt.date(year, 3 * q + 1, 1) - dt.timedelta(days=rng.randint(3, 12))
            buffer = (quantity * Decimal("0.04")).quantize(Decimal("1")) + 1
            events[key].append((received_on, 0, quantity + buffer, StockMovement.Kind.RECEIPT,
                                "Réception fournisseur", None))
            if rng.random() < 0.15:
                lost = max(Decimal(1), (buffer / 3).quantize(Decimal("1")))
                events[key].append((received_on + dt.timedelta(days=20), 1, -lost, StockMovement.Kind.LOSS,
                                    rng.choice(["Denrées avariées (humidité)", "Emballages endommagés",
                                                "Vol constaté lors de l'inventaire"]), None))
    # Transfers of part of the buffer between the two associations of a region, once a year.
    by_region = defaultdict(list)
    for partner in partners:
        by_region[partner.region_id].append(partner.pk)
    for region_partners in by_region.values():
        if len(region_partners) < 2:
            continue
        source, destination = warehouses[region_partners[0]], warehouses[region_partners[1]]
        for key in [k for k in events if k[0] == source.pk]:
            for year in (2020, 2021, 2022):
                day = dt.date(year, 6, 28)
                balance = sum(q for d, _o, q, _k, _r, _c in events[key] if d <= day)
                # Never more than what is left at the end of the year either.
                low = min(sum(q for d, _o, q, _k, _r, _c in events[key] if d <= end)
                          for end in [day] + sorted({d for d, *_rest in events[key] if d > day}))
                amount = min(balance, low, Decimal(5))
                if amount <= 0:
                    continue
                events[key].append((day, 3, -amount, StockMovement.Kind.TRANSFER_OUT, "Appui entre associations",
                                    destination.pk))
                events[(destination.pk, key[1])].append((day, 3, amount, StockMovement.Kind.TRANSFER_IN,
                                                         "Appui entre associations", source.pk))
    balances: list[StockBalance] = []
    for (warehouse_id, item_id), rows in events.items():
        running = Decimal(0)
        for day, _order, quantity, kind, reason, counterpart in sorted(rows, key=lambda r: (r[0], r[1])):
            running += quantity
            if running < 0:
                raise AssertionError(f"demo stock would go negative in warehouse {warehouse_id}, item {item_id}")
            movements.append(StockMovement(warehouse_id=warehouse_id, item_id=item_id, kind=kind, quantity=quantity,
                                           moved_on=day, reason=reason, counterpart_id=counterpart))
        balances.append(StockBalance(warehouse_id=warehouse_id, item_id=item_id, quantity=running))
    created_at = timezone.now()
    for movement in movements:
        movement.created_at = created_at
    _insert(StockMovement, movements, ["warehouse", "item", "kind", "quantity", "moved_on", "reason", "delivery",
                                       "counterpart", "created_by", "created_at"])
    StockBalance.objects.bulk_create(balances, batch_size=2000)
