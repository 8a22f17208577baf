"""Entitlement rules, evaluated in one place.

Rules are data (`EntitlementRule` rows, edited in the admin); this module turns them
into plain `Rule` values and decides, from plain facts, whether one more delivery is
allowed. No database access happens in `evaluate`, so the decision can be tested
with random facts (tests/assistance/test_entitlement_rules.py) and a batch of a
thousand offline deliveries is judged in memory, each seeing the ones before it.

Periods are calendar periods (month, quarter, year) or the whole programme: "one
food kit per household per month" is what partners write in their agreements, and
a calendar month is what the monthly report counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Rule:
    type_id: int
    type_name: str
    period: str = "month"
    max_per_person: int | None = None
    max_per_household: int | None = None
    vulnerability_ids: frozenset[int] = frozenset()
    region_ids: frozenset[int] = frozenset()
    min_age: int | None = None
    max_age: int | None = None
    sexes: frozenset[str] = frozenset()
    excludes: frozenset[int] = frozenset()
    excluded_names: tuple[str, ...] = ()
    programme_start: dt.date | None = None
    programme_end: dt.date | None = None


@dataclass(frozen=True)
class Past:
    """One earlier delivery that counts against the limits."""

    type_id: int
    on: dt.date
    quantity: Decimal
    person_id: int | None
    household_id: int | None


@dataclass(frozen=True)
class Recipient:
    """What the rules may look at about who receives (never a name)."""

    person_id: int | None
    household_id: int | None
    sex: str = ""
    age: int | None = None
    region_id: int | None = None
    vulnerability_ids: frozenset[int] = frozenset()
    # For a delivery to a household: its members, so a person's delivery counts for the household.
    member_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Refusal:
    """A broken rule: a stable code (stored, reported) and a message in the user's language."""

    code: str
    message: str


@dataclass
class History:
    """Deliveries already made, grown as a batch is judged so each item sees the earlier ones.

    Indexed by person and household so that judging a thousand items stays linear.
    """

    past: list[Past] = field(default_factory=list)
    by_person: dict[int, list[Past]] = field(default_factory=dict)
    by_household: dict[int, list[Past]] = field(default_factory=dict)

    def add(self, item: Past) -> None:
        self.past.append(item)
        if item.person_id is not None:
            self.by_person.setdefault(item.person_id, []).append(item)
        if item.household_id is not None:
            self.by_household.setdefault(item.household_id, []).append(item)

    def relevant(self, recipient: Recipient) -> list[Past]:
        """The deliveries that can count against this recipient: theirs, their household's, its members'."""
        people = set(recipient.member_ids)
        if recipient.person_id is not None:
            people.add(recipient.person_id)
        found = {id(p): p for pid in people for p in self.by_person.get(pid, ())}
        if recipient.household_id is not None:
            found.update({id(p): p for p in self.by_household.get(recipient.household_id, ())})
        return list(found.values())


def period_bounds(period: str, day: dt.date, rule: Rule | None = None) -> tuple[dt.date, dt.date]:
    """The first and last day of the period that contains `day`."""
    if period == "month":
        start = day.replace(day=1)
        end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    elif period == "quarter":
        first_month = 3 * ((day.month - 1) // 3) + 1
        start = dt.date(day.year, first_month, 1)
        end = (dt.date(day.year + (first_month == 10), (first_month + 2) % 12 + 1, 1)
               - dt.timedelta(days=1))
    elif period == "year":
        start, end = dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    else:
        start = rule.programme_start if rule and rule.programme_start else dt.date.min
        end = rule.programme_end if rule and rule.programme_end else dt.date.max
    return start, end


def _concerns(past: Past, recipient: Recipient, per: str) -> bool:
    if per == "person":
        return recipient.person_id is not None and past.person_id == recipient.person_id
    if recipient.household_id is None:
        return False
    return past.household_id == recipient.household_id or (
        past.person_id is not None and past.person_id in recipient.member_ids
    )


def evaluate(
    rules: Iterable[Rule], *, type_id: int, quantity: Decimal, on: dt.date, recipient: Recipient,
    history: Sequence[Past],
) -> list[Refusal]:
    """Every rule the delivery would break (empty: allowed). Messages use the active language."""
    refusals: list[Refusal] = []
    for rule in rules:
        if rule.type_id != type_id:
            continue
        if rule.sexes and recipient.person_id is not None and recipient.sex not in rule.sexes:
            refusals.append(Refusal("sex", _("%(type)s is not for people of this sex under this programme.")
                                    % {"type": rule.type_name}))
        if rule.min_age is not None or rule.max_age is not None:
            if recipient.person_id is not None and recipient.age is None:
                refusals.append(Refusal("age_unknown", _("%(type)s has an age condition and this person's age is "
                                                         "not recorded.") % {"type": rule.type_name}))
            elif recipient.age is not None and (
                (rule.min_age is not None and recipient.age < rule.min_age)
                or (rule.max_age is not None and recipient.age > rule.max_age)
            ):
                refusals.append(Refusal("age", _("%(type)s is for people aged %(low)s to %(high)s.") % {
                    "type": rule.type_name, "low": rule.min_age if rule.min_age is not None else 0,
                    "high": rule.max_age if rule.max_age is not None else "∞"}))
        if rule.region_ids and recipient.region_id not in rule.region_ids:
            refusals.append(Refusal("region", _("%(type)s is not delivered in this person's region under this "
                                                "programme.") % {"type": rule.type_name}))
        if rule.vulnerability_ids and not (rule.vulnerability_ids & recipient.vulnerability_ids):
            refusals.append(Refusal("vulnerability", _("%(type)s is for people with one of the programme's "
                                                       "vulnerability criteria.") % {"type": rule.type_name}))
        start, end = period_bounds(rule.period, on, rule)
        in_period = [p for p in history if start <= p.on <= end]
        for per, limit in (("person", rule.max_per_person), ("household", rule.max_per_household)):
            if limit is None:
                continue
            used = sum((p.quantity for p in in_period if p.type_id == type_id and _concerns(p, recipient, per)),
                       Decimal(0))
            if used + quantity > limit:
                refusals.append(Refusal(f"max_per_{per}", (
                    _("At most %(limit)s × %(type)s per person per %(period)s; %(used)s already received.")
                    if per == "person" else
                    _("At most %(limit)s × %(type)s per household per %(period)s; %(used)s already received.")
                ) % {"limit": limit, "type": rule.type_name, "period": period_label(rule.period),
                     "used": _plain(used)}))
        if rule.excludes:
            clash = [p for p in in_period if p.type_id in rule.excludes
                     and (_concerns(p, recipient, "person") or _concerns(p, recipient, "household"))]
            if clash:
                refusals.append(Refusal("excluded", _("%(type)s cannot be combined with %(other)s in the same "
                                                      "%(period)s.") % {
                    "type": rule.type_name, "other": ", ".join(rule.excluded_names),
                    "period": period_label(rule.period)}))
    return refusals


def period_label(period: str) -> str:
    return {"month": _("month"), "quarter": _("quarter"), "year": _("year")}.get(period, _("programme"))


def _plain(number: Decimal) -> str:
    return f"{number.normalize():f}"


def load_rules(programme_id: int, type_ids: Iterable[int]) -> list[Rule]:
    """The active rules of a programme for these types, as plain values (a few queries)."""
    from himaya.assistance.models import EntitlementRule

    rows = (EntitlementRule.objects.filter(programme_id=programme_id, assistance_type_id__in=set(type_ids),
                                           active=True)
            .select_related("assistance_type", "programme")
            .prefetch_related("vulnerabilities", "regions", "excludes"))
    return [
        Rule(
            type_id=row.assistance_type_id, type_name=row.assistance_type.name, period=row.period,
            max_per_person=row.max_per_person, max_per_household=row.max_per_household,
            vulnerability_ids=frozenset(v.pk for v in row.vulnerabilities.all()),
            region_ids=frozenset(r.pk for r in row.regions.all()),
            min_age=row.min_age, max_age=row.max_age, sexes=frozenset(row.sexes or ()),
            excludes=frozenset(t.pk for t in row.excludes.all()),
            excluded_names=tuple(t.name for t in row.excludes.all()),
            programme_start=row.programme.start, programme_end=row.programme.end,
        )
        for row in rows
    ]


def widest_window(rules: Iterable[Rule], days: Iterable[dt.date]) -> tuple[dt.date, dt.date] | None:
    """The dates of history the rules can look at for deliveries on these days."""
    bounds = [period_bounds(rule.period, day, rule) for rule in rules for day in days]
    if not bounds:
        return None
    return min(b[0] for b in bounds), max(b[1] for b in bounds)
