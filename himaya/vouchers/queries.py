"""Reads of vouchers, redemptions and statements, scoped to the user; the programme's totals.

Partner staff see the vouchers their association issued; mission staff all of them;
a vendor sees its own redemptions and statements, and reaches a voucher only
through its code (services.voucher_check). Outside viewers see none of these.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from himaya.accounts.roles import MISSION_STAFF, PARTNER_STAFF, Role
from himaya.accounts.scopes import fetch_or_404, scope_for
from himaya.organisations.models import Organisation
from himaya.vouchers.lifecycle import SPENDABLE, Status
from himaya.vouchers.models import IssueBatch, Redemption, Statement, Voucher

ISSUERS = PARTNER_STAFF | {Role.MISSION_ADMIN, Role.PROGRAMME_MANAGER}
VOUCHER_READERS = PARTNER_STAFF | MISSION_STAFF
STATEMENT_READERS = MISSION_STAFF | {Role.VENDOR}
STATEMENT_PAYERS = frozenset({Role.MISSION_ADMIN, Role.PROGRAMME_MANAGER})
ZERO = Decimal("0")


def vouchers_visible_to(user: Any) -> QuerySet[Voucher]:
    scope = scope_for(user)
    qs = Voucher.objects.select_related("partner", "person", "household")
    if scope.is_mission:
        return qs
    if scope.is_partner and scope.organisation_id is not None:
        return qs.filter(partner_id=scope.organisation_id)
    return qs.none()


def household_vouchers(user: Any, household: Any) -> QuerySet[Voucher]:
    """Vouchers given to the household, or to one of its members, that this user may see."""
    members = household.members.values("person_id")
    return vouchers_visible_to(user).filter(Q(household=household) | Q(person_id__in=members)).order_by(
        "-issued_at", "-pk")


def voucher_for_user(user: Any, pk: Any) -> Voucher:
    return fetch_or_404(vouchers_visible_to(user), pk=pk)


def redemptions_visible_to(user: Any) -> QuerySet[Redemption]:
    scope = scope_for(user)
    qs = Redemption.objects.select_related("vendor", "voucher")
    if scope.is_mission:
        return qs
    if scope.is_partner and scope.organisation_id is not None:
        return qs.filter(voucher__partner_id=scope.organisation_id)
    if scope.is_vendor and scope.organisation_id is not None:
        return qs.filter(vendor_id=scope.organisation_id)
    return qs.none()


def receipt_for_vendor(user: Any, pk: Any) -> Redemption:
    scope = scope_for(user)
    qs = Redemption.objects.select_related("vendor", "voucher").filter(
        vendor_id=scope.organisation_id if scope.is_vendor else None
    )
    return fetch_or_404(qs, pk=pk)


def statements_visible_to(user: Any) -> QuerySet[Statement]:
    scope = scope_for(user)
    qs = Statement.objects.select_related("vendor", "vendor__region")
    if scope.is_mission:
        return qs
    if scope.is_vendor and scope.organisation_id is not None:
        return qs.filter(vendor_id=scope.organisation_id)
    return qs.none()


def statement_for_user(user: Any, pk: Any) -> Statement:
    return fetch_or_404(statements_visible_to(user), pk=pk)


def statement_lines(statement: Statement) -> QuerySet[Redemption]:
    """Each redemption of a statement, oldest first; voucher shown by its hint, never a person."""
    return (
        statement.redemptions.select_related("voucher", "voucher__partner")
        .order_by("at", "pk")
    )


def vendors_for_statements(user: Any) -> QuerySet[Organisation]:
    scope = scope_for(user)
    qs = Organisation.objects.filter(kind=Organisation.Kind.VENDOR).order_by("name_fr")
    if scope.is_mission:
        return qs
    if scope.is_vendor:
        return qs.filter(pk=scope.organisation_id)
    return qs.none()


def vendor_of(user: Any) -> Organisation | None:
    scope = scope_for(user)
    if not scope.is_vendor or scope.organisation_id is None:
        return None
    return Organisation.objects.get(pk=scope.organisation_id)


# --- The programme's view ------------------------------------------------------------------


@dataclass
class Totals:
    """Where the money of the vouchers is: issued = redeemed + outstanding + expired + cancelled."""

    issued: Decimal = ZERO
    redeemed: Decimal = ZERO
    outstanding: Decimal = ZERO
    expired: Decimal = ZERO
    cancelled: Decimal = ZERO
    vouchers: int = 0

    @property
    def reconciles(self) -> bool:
        return self.issued == self.redeemed + self.outstanding + self.expired + self.cancelled


@dataclass
class Overview:
    total: Totals = field(default_factory=Totals)
    by_partner: dict[str, Totals] = field(default_factory=dict)
    by_region: dict[str, Totals] = field(default_factory=dict)
    by_vendor: list[tuple[Organisation, Decimal, int]] = field(default_factory=list)


def _add(bucket: Totals, row: dict[str, Any]) -> None:
    bucket.vouchers += row["n"] if row["original"] else 0
    if row["original"]:
        bucket.issued += row["value"]
    bucket.redeemed += row["value"] - row["balance"]
    status, balance = row["status"], row["balance"]
    if status in SPENDABLE:
        bucket.outstanding += balance
    elif status == Status.EXPIRED:
        bucket.expired += balance
    elif status == Status.CANCELLED and not row["reissued"]:
        bucket.cancelled += balance


def programme_overview(
    vouchers: QuerySet[Voucher], redemptions: QuerySet[Redemption],
    start: dt.date | None = None, end: dt.date | None = None,
) -> Overview:
    """Totals by partner, region (the issuing partner's) and vendor, for vouchers issued in the period.

    A reissued voucher's balance moved to its replacement: the replacement's value is
    not counted as issued again, and the cancelled original not as cancelled.
    """
    if start:
        vouchers = vouchers.filter(issued_at__date__gte=start)
        redemptions = redemptions.filter(at__date__gte=start)
    if end:
        vouchers = vouchers.filter(issued_at__date__lte=end)
        redemptions = redemptions.filter(at__date__lte=end)
    rows = (
        vouchers.annotate(original=Q(replaces__isnull=True), reissued=Q(replaced_by__isnull=False))
        .values("partner__name_fr", "partner__region__name_fr", "status", "original", "reissued")
        .annotate(n=Count("pk"), value=Sum("value"), balance=Sum("balance"))
        .order_by()
    )
    overview = Overview()
    for row in rows:
        _add(overview.total, row)
        _add(overview.by_partner.setdefault(row["partner__name_fr"], Totals()), row)
        _add(overview.by_region.setdefault(row["partner__region__name_fr"] or "—", Totals()), row)
    overview.by_partner = dict(sorted(overview.by_partner.items()))
    overview.by_region = dict(sorted(overview.by_region.items()))
    per_vendor = (
        redemptions.values("vendor_id").annotate(total=Sum("amount"), n=Count("pk")).order_by("-total")
    )
    vendors = Organisation.objects.in_bulk([r["vendor_id"] for r in per_vendor])
    overview.by_vendor = [(vendors[r["vendor_id"]], r["total"], r["n"]) for r in per_vendor]
    return overview


# --- What looks wrong ----------------------------------------------------------------------


@dataclass(frozen=True)
class Flag:
    kind: str
    vendor: Organisation | None
    detail: dict[str, Any]
    at: dt.datetime | None = None


BURST_WINDOW = dt.timedelta(minutes=5)
BURST_SIZE = 10
AFTER_ISSUE = dt.timedelta(minutes=30)
AFTER_ISSUE_SHARE = 0.5
MASS_ISSUE = 20
MANY_VENDORS = 4
OUTSIDE_REGION_PER_MONTH = 5


def anomaly_flags(redemptions: QuerySet[Redemption], limit: int = 50) -> list[Flag]:
    """Patterns worth a look, not proofs: bursts at one vendor, vendors far from the issuing
    partner's region, mass issues redeemed at once, one beneficiary's vouchers at many vendors."""
    flags: list[Flag] = []
    flags += _bursts(redemptions)
    flags += _outside_region(redemptions)
    flags += _right_after_mass_issue(redemptions)
    flags += _many_vendors(redemptions)
    return flags[:limit]


def _bursts(redemptions: QuerySet[Redemption]) -> list[Flag]:
    """BURST_SIZE or more redemptions at one vendor within BURST_WINDOW; one flag per run."""
    flags = []
    times: dict[int, list[dt.datetime]] = defaultdict(list)
    for vendor_id, at in redemptions.order_by("vendor_id", "at").values_list("vendor_id", "at"):
        times[vendor_id].append(at)
    vendors = Organisation.objects.in_bulk(list(times))
    for vendor_id, stamps in times.items():
        index = 0
        while index + BURST_SIZE <= len(stamps):
            if stamps[index + BURST_SIZE - 1] - stamps[index] > BURST_WINDOW:
                index += 1
                continue
            # A burst starts here: follow it while redemptions keep coming this fast.
            end = index + BURST_SIZE - 1
            while end + 1 < len(stamps) and stamps[end + 1] - stamps[end + 2 - BURST_SIZE] <= BURST_WINDOW:
                end += 1
            flags.append(Flag("burst", vendors[vendor_id],
                              {"count": end - index + 1, "minutes": int(BURST_WINDOW.total_seconds() // 60)},
                              stamps[index]))
            index = end + 1
    return flags


def _outside_region(redemptions: QuerySet[Redemption]) -> list[Flag]:
    """A vendor taking, within one month, several vouchers issued in another region.

    One voucher now and then is a family that moved; a cluster is worth a call.
    """
    rows = (
        redemptions.exclude(vendor__region__isnull=True)
        .exclude(voucher__partner__region__isnull=True)
        .exclude(vendor__region_id=F("voucher__partner__region_id"))
        .annotate(month=TruncMonth("at"))
        .values("vendor_id", "voucher__partner__region__name_fr", "month")
        .annotate(n=Count("pk"), total=Sum("amount"), first=Min("at"))
        .filter(n__gte=OUTSIDE_REGION_PER_MONTH)
        .order_by("-n")
    )
    vendors = Organisation.objects.in_bulk([r["vendor_id"] for r in rows])
    return [
        Flag("outside_region", vendors[r["vendor_id"]],
             {"count": r["n"], "total": r["total"], "region": r["voucher__partner__region__name_fr"]},
             r["first"])
        for r in rows
    ]


def _right_after_mass_issue(redemptions: QuerySet[Redemption]) -> list[Flag]:
    flags = []
    batches = IssueBatch.objects.filter(size__gte=MASS_ISSUE, vouchers__redemptions__in=redemptions).distinct()
    for batch in batches.select_related("partner")[:200]:
        quick = redemptions.filter(
            voucher__batch=batch, at__lte=batch.created_at + AFTER_ISSUE
        ).aggregate(n=Count("voucher", distinct=True))["n"]
        if quick >= max(5, batch.size * AFTER_ISSUE_SHARE):
            flags.append(Flag("after_mass_issue", None,
                              {"count": quick, "size": batch.size, "partner": batch.partner.name},
                              batch.created_at))
    return flags


def _many_vendors(redemptions: QuerySet[Redemption]) -> list[Flag]:
    rows = (
        redemptions.filter(voucher__person__isnull=False)
        .values("voucher__person__code")
        .annotate(vendors=Count("vendor", distinct=True), last=Max("at"))
        .filter(vendors__gte=MANY_VENDORS)
        .order_by("-vendors")[:50]
    )
    return [
        Flag("many_vendors", None, {"person": r["voucher__person__code"], "vendors": r["vendors"]},
             r["last"])
        for r in rows
    ]


def recent_issues(user: Any) -> QuerySet[IssueBatch]:
    scope = scope_for(user)
    qs = IssueBatch.objects.all()
    if scope.is_mission:
        return qs
    return qs.filter(partner_id=scope.organisation_id) if scope.is_partner else qs.none()


# --- Totals for the results framework (read by himaya.monitoring.measures) -----------------

# The dimensions a voucher total can be split by, and the field each one reads.
RESULT_DIMENSIONS = ("region", "partner")


def _programme_vouchers(programme_id: int | None) -> QuerySet[Voucher]:
    qs = Voucher.objects.all()
    if programme_id is not None:
        # Vouchers carry no programme: those of the programme's partners.
        qs = qs.filter(partner__agreements__programme=programme_id).distinct()
    return qs


def _split(qs: QuerySet, prefix: str, by: tuple[str, ...] | list[str],
           field_name: str) -> dict[tuple[str, ...], Decimal]:
    from django.db.models import CharField, Value
    from django.db.models.functions import Coalesce

    if not by:
        return {(): qs.aggregate(n=Sum(field_name))["n"] or ZERO}
    mapping = {"partner": F(f"{prefix}partner__code"),
               "region": Coalesce(F(f"{prefix}partner__region__code"), Value("unknown"),
                                  output_field=CharField())}
    names = [f"dim_{name}" for name in by]
    qs = qs.annotate(**{f"dim_{name}": mapping[name] for name in by})
    table: dict[tuple[str, ...], Decimal] = {}
    for row in qs.values(*names).annotate(n=Sum(field_name)).order_by():
        key = tuple(str(row[name]) for name in names)
        table[key] = table.get(key, ZERO) + (row["n"] or ZERO)
    return table


def value_issued_totals(*, programme_id: int | None, start: dt.date | None, end: dt.date | None,
                        by: tuple[str, ...] | list[str] = ()) -> dict[tuple[str, ...], Decimal]:
    """Voucher value issued by the programme's partners in a date range, split by region or
    partner of the issuing association."""
    qs = _programme_vouchers(programme_id)
    if start is not None:
        qs = qs.filter(issued_at__date__gte=start)
    if end is not None:
        qs = qs.filter(issued_at__date__lte=end)
    return _split(qs, "", by, "value")


def value_redeemed_totals(*, programme_id: int | None, start: dt.date | None,
                          end: dt.date | None, by: tuple[str, ...] | list[str] = ()
                          ) -> dict[tuple[str, ...], Decimal]:
    """Voucher value redeemed by vendors in a date range, on the programme's partners'
    vouchers, split by region or partner of the issuing association."""
    qs = Redemption.objects.filter(voucher__in=_programme_vouchers(programme_id).values("pk"))
    if start is not None:
        qs = qs.filter(at__date__gte=start)
    if end is not None:
        qs = qs.filter(at__date__lte=end)
    return _split(qs, "voucher__", by, "amount")
