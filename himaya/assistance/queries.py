"""Reads of assistance, always scoped to the user, and the figures the results layer counts.

Partner staff see their association's deliveries; protection officers those of
people in their regions; programme managers, administrators and M&E officers
everything (M&E pseudonymised: codes, never names). Medical referral details are
for protection officers and a partner's coordinator only; everyone else gets counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import ExtractYear, TruncMonth

from himaya.accounts.roles import PARTNER_STAFF, STAFF_AND_PARTNERS, Role
from himaya.accounts.scopes import fetch_or_404, scope_for
from himaya.assistance.models import (
    AssistanceType,
    Delivery,
    Distribution,
    DistributionTarget,
    Modality,
    Referral,
    ReferralProof,
    StockBalance,
    StockMovement,
    Warehouse,
)
from himaya.organisations.models import Organisation
from himaya.registry.models import HouseholdMember

DELIVERY_READERS = STAFF_AND_PARTNERS
DELIVERY_WRITERS = PARTNER_STAFF | {Role.PROGRAMME_MANAGER, Role.MISSION_ADMIN}
# Who may deliver despite a rule, with a written reason (audited, listed in the overrides report).
OVERRIDERS = frozenset({Role.PROGRAMME_MANAGER, Role.PARTNER_COORDINATOR, Role.MISSION_ADMIN})
DISTRIBUTION_MANAGERS = frozenset({Role.PARTNER_COORDINATOR, Role.PROGRAMME_MANAGER, Role.MISSION_ADMIN})
CHECK_IN_AGENTS = PARTNER_STAFF | {Role.PROGRAMME_MANAGER, Role.MISSION_ADMIN}
STOCK_READERS = PARTNER_STAFF | {Role.PROGRAMME_MANAGER, Role.MISSION_ADMIN, Role.ME_OFFICER}
STOCK_KEEPERS = PARTNER_STAFF
# Medical details (facility, category, cost, notes): those who act on them (PROTECTION.md P6).
MEDICAL_READERS = frozenset({Role.PROTECTION_OFFICER, Role.PARTNER_COORDINATOR})
# Everyone on staff may know how many medical assistances were given, not to whom or what.
MEDICAL_COUNTERS = STAFF_AND_PARTNERS
WHOLE_MISSION = frozenset({Role.MISSION_ADMIN, Role.PROGRAMME_MANAGER, Role.ME_OFFICER})


def deliveries_visible_to(user: Any) -> QuerySet[Delivery]:
    scope = scope_for(user)
    qs = Delivery.objects.select_related("assistance_type", "person", "household", "organisation")
    if scope.has_role(*WHOLE_MISSION):
        return qs
    if scope.has_role(Role.PROTECTION_OFFICER):
        regions = scope.region_ids
        return qs.filter(
            Q(person__region_id__in=regions)
            | Q(person__region__isnull=True, organisation__region_id__in=regions)
            | Q(household__isnull=False, organisation__region_id__in=regions)
        )
    if scope.is_partner and scope.organisation_id is not None:
        return qs.filter(organisation_id=scope.organisation_id)
    return qs.none()


def delivery_for_user(user: Any, pk: Any) -> Delivery:
    return fetch_or_404(deliveries_visible_to(user), pk=pk)


def sees_medical_details(user: Any) -> bool:
    return scope_for(user).role in MEDICAL_READERS


def deliveries_shown_to(user: Any) -> QuerySet[Delivery]:
    """Delivery rows a user may list: medical ones only for medical readers (others count them)."""
    qs = deliveries_visible_to(user)
    if not sees_medical_details(user):
        qs = qs.exclude(assistance_type__category="medical")
    return qs


def referrals_visible_to(user: Any) -> QuerySet[Referral]:
    """Referral rows with their details: medical readers only; everyone else gets none."""
    scope = scope_for(user)
    qs = Referral.objects.select_related("person", "facility", "organisation")
    if scope.has_role(Role.PROTECTION_OFFICER):
        regions = scope.region_ids
        return qs.filter(Q(person__region_id__in=regions)
                         | Q(person__region__isnull=True, organisation__region_id__in=regions))
    if scope.has_role(Role.PARTNER_COORDINATOR) and scope.organisation_id is not None:
        return qs.filter(organisation_id=scope.organisation_id)
    return qs.none()


def referral_for_user(user: Any, pk: Any) -> Referral:
    return fetch_or_404(referrals_visible_to(user), pk=pk)


def referrals_counted_for(user: Any) -> QuerySet[Referral]:
    """Referrals a user may count (not read): the scope of deliveries, without details."""
    scope = scope_for(user)
    qs = Referral.objects.all()
    if scope.has_role(*WHOLE_MISSION):
        return qs
    if scope.has_role(Role.PROTECTION_OFFICER):
        return referrals_visible_to(user)
    if scope.is_partner and scope.organisation_id is not None:
        return qs.filter(organisation_id=scope.organisation_id)
    return qs.none()


def referral_counts(user: Any) -> dict[str, int]:
    """How many referrals by status: what M&E, managers and field agents see of medical work."""
    rows = referrals_counted_for(user).values("status").annotate(n=Count("pk")).order_by("status")
    counts = {row["status"]: row["n"] for row in rows}
    return {"total": sum(counts.values()), **{s: counts.get(s, 0) for s in Referral.Status.values}}


def distributions_visible_to(user: Any) -> QuerySet[Distribution]:
    scope = scope_for(user)
    qs = Distribution.objects.select_related("organisation", "programme", "commune")
    if scope.is_mission:
        if scope.has_role(Role.PROTECTION_OFFICER):
            return qs.filter(organisation__region_id__in=scope.region_ids)
        return qs
    if scope.is_partner and scope.organisation_id is not None:
        return qs.filter(organisation_id=scope.organisation_id)
    return qs.none()


def distribution_for_user(user: Any, pk: Any) -> Distribution:
    return fetch_or_404(distributions_visible_to(user), pk=pk)


def distribution_summary(distribution: Distribution) -> dict[str, Any]:
    """Planned against delivered, no-shows and refusals, by target and by type."""
    by_status = dict(
        DistributionTarget.objects.filter(distribution=distribution)
        .values_list("status").annotate(n=Count("pk")).order_by()
    )
    by_type = list(
        Delivery.objects.filter(distribution=distribution)
        .values("assistance_type__code", "assistance_type__name_fr", "assistance_type__name_ar",
                "assistance_type__name_en")
        .annotate(n=Count("pk"), quantity=Sum("quantity"), value=Sum("value")).order_by("assistance_type__code")
    )
    types = {t.code: t for t in AssistanceType.objects.filter(code__in=[r["assistance_type__code"] for r in by_type])}
    planned = sum(by_status.values())
    return {
        "planned": planned,
        "delivered": by_status.get(DistributionTarget.Status.DELIVERED, 0),
        "no_show": by_status.get(DistributionTarget.Status.NO_SHOW, 0),
        "refused": by_status.get(DistributionTarget.Status.REFUSED, 0),
        "waiting": by_status.get(DistributionTarget.Status.PLANNED, 0),
        "by_type": [
            {"type": types[r["assistance_type__code"]], "deliveries": r["n"], "quantity": r["quantity"],
             "value": r["value"]} for r in by_type
        ],
    }


def warehouses_visible_to(user: Any) -> QuerySet[Warehouse]:
    scope = scope_for(user)
    qs = Warehouse.objects.select_related("organisation", "commune")
    if scope.has_role(*WHOLE_MISSION):
        return qs
    if scope.is_partner and scope.organisation_id is not None:
        return qs.filter(organisation_id=scope.organisation_id)
    return qs.none()


def warehouse_for_user(user: Any, pk: Any) -> Warehouse:
    return fetch_or_404(warehouses_visible_to(user), pk=pk)


def stock_reconciliation(warehouses: QuerySet[Warehouse]) -> list[dict[str, Any]]:
    """Per warehouse and item: receipts, deliveries, transfers, losses, the recorded balance,
    the balance the movements add up to, and the difference (zero when all is well)."""
    kinds = StockMovement.Kind
    sums = (
        StockMovement.objects.filter(warehouse__in=warehouses)
        .values("warehouse_id", "item_id")
        .annotate(**{k: Sum("quantity", filter=Q(kind=k), default=Decimal(0)) for k in kinds.values},
                  total=Sum("quantity"))
        .order_by()
    )
    moved = {(row["warehouse_id"], row["item_id"]): row for row in sums}
    balances = {(b.warehouse_id, b.item_id): b
                for b in StockBalance.objects.filter(warehouse__in=warehouses).select_related("warehouse", "item")}
    from himaya.assistance.models import Item

    items = {i.pk: i for i in Item.objects.all()}
    names = {w.pk: w for w in warehouses}
    rows = []
    for key in sorted(set(moved) | set(balances)):
        row = moved.get(key, {})
        balance = balances[key].quantity if key in balances else Decimal(0)
        computed = row.get("total") or Decimal(0)
        rows.append({
            "warehouse": names.get(key[0]), "item": items[key[1]],
            **{k: row.get(k) or Decimal(0) for k in kinds.values},
            "balance": balance, "computed": computed, "difference": balance - computed,
        })
    return rows


def overrides_visible_to(user: Any) -> QuerySet[Delivery]:
    """Deliveries made despite a rule, with the reason: the overrides report."""
    return deliveries_shown_to(user).exclude(override_reason="").select_related("overridden_by")


def history_for_person(user: Any, person: Any) -> QuerySet[Delivery]:
    """A person's deliveries, and their household's, as this user may list them."""
    household_id = HouseholdMember.objects.filter(person=person).values_list("household_id", flat=True).first()
    condition = Q(person=person)
    if household_id:
        condition |= Q(household_id=household_id)
    return deliveries_shown_to(user).filter(condition).order_by("-delivered_on", "-pk")


# --- Figures for results (counts, people reached, value) -----------------------------------

AGE_GROUPS = (("0-4", 0, 4), ("5-17", 5, 17), ("18-59", 18, 59), ("60+", 60, 200))
DIMENSIONS = {
    "type": "assistance_type__code",
    "category": "assistance_type__category",
    "modality": "assistance_type__modality",
    "partner": "organisation__code",
    "region": "organisation__region__code",
    "year": "year",
    "month": "month",
    "sex": "person__sex",
    "age_group": "age_group",
}


def _figures(qs: QuerySet[Delivery], by: Sequence[str], start: dt.date | None, end: dt.date | None,
             filters: dict[str, Any] | None) -> list[dict[str, Any]]:
    unknown = [name for name in by if name not in DIMENSIONS]
    if unknown:
        raise ValueError(f"unknown dimensions: {unknown}")
    if start:
        qs = qs.filter(delivered_on__gte=start)
    if end:
        qs = qs.filter(delivered_on__lte=end)
    if filters:
        qs = qs.filter(**{DIMENSIONS.get(k, k): v for k, v in filters.items()})
    qs = qs.annotate(
        year=ExtractYear("delivered_on"), month=TruncMonth("delivered_on"),
        age=Case(When(person__birth_year__isnull=False,
                      then=ExtractYear("delivered_on") - F("person__birth_year")),
                 default=Value(None), output_field=IntegerField()),
    ).annotate(age_group=Case(
        *[When(age__gte=low, age__lte=high, then=Value(label)) for label, low, high in AGE_GROUPS],
        default=Value("unknown"),
    ))
    fields = [DIMENSIONS[name] for name in by]
    rows = (
        qs.values(*fields)
        .annotate(deliveries=Count("pk"), quantity=Sum("quantity"), value=Sum("value"),
                  people=Count("person", distinct=True), households=Count("household", distinct=True))
        .order_by(*fields)
    )
    return [{**{name: row[DIMENSIONS[name]] for name in by},
             **{k: row[k] for k in ("deliveries", "quantity", "value", "people", "households")}}
            for row in rows]


def delivery_figures(user: Any, *, by: Sequence[str] = (), start: dt.date | None = None,
                     end: dt.date | None = None, filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Deliveries, quantity, value (MAD), distinct people and households, grouped by `by`
    (any of DIMENSIONS), within the user's scope. Medical rows count for everyone who may
    count them: these are figures, not details."""
    return _figures(deliveries_visible_to(user), by, start, end, filters)


def delivery_figures_unscoped(*, by: Sequence[str] = (), start: dt.date | None = None,
                              end: dt.date | None = None,
                              filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The same figures over every partner, for the results layer (monitoring/reporting),
    which applies disclosure control before anything leaves the mission. Never call it
    from a view that shows its answer to a partner or an outside viewer as is."""
    return _figures(Delivery.objects.all(), by, start, end, filters)


def voucher_deliveries() -> QuerySet[Delivery]:
    """Deliveries of voucher types (the food vouchers), unscoped: for the vouchers layer's demo
    and issuance, which makes a real voucher for each of them."""
    return Delivery.objects.filter(assistance_type__modality=Modality.VOUCHER).select_related(
        "assistance_type", "person", "household", "organisation")


def health_facilities() -> QuerySet[Organisation]:
    return Organisation.objects.filter(kind=Organisation.Kind.HEALTH_FACILITY, is_active=True)



def referral_proof_for_user(user: Any, pk: Any) -> ReferralProof:
    """A proof of service, only through a referral the user may read in detail (else 404)."""
    if not sees_medical_details(user):
        return fetch_or_404(ReferralProof.objects.none(), pk=pk)
    return fetch_or_404(ReferralProof.objects.select_related("referral")
                        .filter(referral__in=referrals_visible_to(user)), pk=pk)
