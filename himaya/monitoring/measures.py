"""Indicator definitions, interpreted: each `kind` is one measure function over the records.

A definition is data an M&E officer edits (`{"kind": "deliveries", "types": ["food-kit"]}`);
this module is the only place that knows how each kind is counted, and it reads the apps
below (assistance, vouchers, capacity, registry) through their query functions where they
exist and their models otherwise. Every measure returns a table keyed by the requested
dimensions: `{(): n}` with no dimension, `{("female", "18-59"): n, ...}` with two.

The figures here are *unprotected*: the mission's own pages show them as they are, and
everything that goes to outsiders passes them through `himaya.disclosure` first.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractYear
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from himaya.organisations.models import Organisation, Programme

Number = int | Decimal
Table = dict[tuple[str, ...], Number]

UNKNOWN = "unknown"
# The age groups of the results framework (the donor's customary bands).
AGE_GROUPS = (("0-17", 0, 17), ("18-24", 18, 24), ("25-59", 25, 59), ("60+", 60, 200))


class DefinitionError(ValueError):
    """A definition that cannot be computed; the message is translated for the editor."""


@dataclass(frozen=True)
class Window:
    """What a measure is computed over: a programme (or all) and an inclusive date range."""

    programme: Programme | None = None
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass(frozen=True)
class Kind:
    code: str
    label: Any
    # Parameters the definition may carry besides "kind", and the dimensions it can split by.
    parameters: frozenset[str]
    dimensions: tuple[str, ...]
    function: Callable[[Window, dict[str, Any], Sequence[str]], Table]
    # Whether summing per-period values gives the whole-programme value (counts do; distinct
    # people do not: one person reached in two years is one person).
    additive: bool = True
    # Whether it counts people or what was handed to people: only those need disclosure
    # control (a count of regions, associations or roadmap actions reveals no one).
    about_people: bool = True


# --- Deliveries (assistance) ---------------------------------------------------------------


def deliveries_queryset(window: Window, params: dict[str, Any]) -> QuerySet:
    from himaya.assistance.models import Delivery

    qs = Delivery.objects.all()
    if window.programme is not None:
        qs = qs.filter(programme=window.programme)
    if window.start is not None:
        qs = qs.filter(delivered_on__gte=window.start)
    if window.end is not None:
        qs = qs.filter(delivered_on__lte=window.end)
    if params.get("types"):
        qs = qs.filter(assistance_type__code__in=params["types"])
    if params.get("categories"):
        qs = qs.filter(assistance_type__category__in=params["categories"])
    if params.get("modalities"):
        qs = qs.filter(assistance_type__modality__in=params["modalities"])
    return qs


def _age_group(age: Any) -> Case:
    return Case(
        *[When(**{f"{age}__gte": low, f"{age}__lte": high}, then=Value(label))
          for label, low, high in AGE_GROUPS],
        default=Value(UNKNOWN), output_field=CharField(),
    )


def _delivery_dimensions(qs: QuerySet, by: Sequence[str]) -> tuple[QuerySet, list[str]]:
    """Annotate each requested dimension as `dim_<name>`; a household delivery has no one
    person, so its sex and age count as unknown (the people measures split by member)."""
    expressions: dict[str, Any] = {
        "sex": Coalesce(F("person__sex"), Value(UNKNOWN)),
        "nationality": Coalesce(F("person__nationality__alpha3"), Value(UNKNOWN)),
        # Where it was delivered, else where the association works.
        "region": Coalesce(F("commune__region__code"), F("organisation__region__code"),
                           Value(UNKNOWN)),
        "partner": F("organisation__code"),
        # Sensitive criteria (violence, trafficking) are never a published category (P6).
        "vulnerability": Case(
            When(person__vulnerabilities__sensitive=False,
                 then=F("person__vulnerabilities__code")),
            default=Value("none"), output_field=CharField(),
        ),
        "year": ExtractYear("delivered_on"),
        "type": F("assistance_type__code"),
        "category": F("assistance_type__category"),
    }
    if "age_group" in by:
        qs = qs.annotate(dim_age=Case(
            When(person__birth_year__isnull=False,
                 then=ExtractYear("delivered_on") - F("person__birth_year")),
            default=Value(None), output_field=IntegerField(),
        ))
        expressions["age_group"] = _age_group("dim_age")
    names = [f"dim_{name}" for name in by]
    qs = qs.annotate(**{f"dim_{name}": expressions[name] for name in by})
    return qs, names


def _grouped(qs: QuerySet, names: list[str], aggregate: Any) -> Table:
    if not names:
        value = qs.aggregate(n=aggregate)["n"]
        return {(): value or 0}
    table: Table = {}
    for row in qs.values(*names).annotate(n=aggregate).order_by():
        key = tuple(str(row[name]) for name in names)
        table[key] = table.get(key, 0) + (row["n"] or 0)
    return table


# Dimensions the delivery cube holds, and its column for each.
_CUBE_COLUMNS = {"sex": "sex", "age_group": "age_group", "nationality": "nationality",
                 "region": "region", "partner": "partner", "type": "type_code",
                 "category": "category", "year": "bucket"}


def _from_delivery_cube(window: Window, params: dict[str, Any], by: Sequence[str],
                        field: str) -> Table | None:
    """The measure read from the delivery cube, or None when the cube cannot answer it
    (a window that cuts through a time bucket, a vulnerability breakdown, no cube)."""
    if any(name not in _CUBE_COLUMNS for name in by):
        return None
    from himaya.monitoring import aggregates
    from himaya.monitoring.models import DeliveryCube

    state = aggregates.current_state()
    buckets = state.buckets_for(window.start, window.end) if state else None
    if state is None or buckets is None:
        return None
    qs = DeliveryCube.objects.filter(bucket__in=buckets)
    if window.programme is not None:
        qs = qs.filter(programme_id=window.programme.pk)
    for name, column in (("types", "type_code"), ("categories", "category"),
                         ("modalities", "modality")):
        if params.get(name):
            qs = qs.filter(**{f"{column}__in": params[name]})
    columns = [_CUBE_COLUMNS[name] for name in by]
    table: Table = {}
    rows = qs.values(*columns).annotate(total=Sum(field)).order_by() if columns else [
        qs.aggregate(total=Sum(field))]
    for row in rows:
        key = tuple(str(state.bucket_year(row[c])) if c == "bucket" else str(row[c])
                    for c in columns)
        table[key] = table.get(key, 0) + (row["total"] or 0)
    return table if by else {(): table.get((), 0)}


def deliveries(window: Window, params: dict[str, Any], by: Sequence[str]) -> Table:
    cubed = _from_delivery_cube(window, params, by, "n")
    if cubed is not None:
        return cubed
    qs, names = _delivery_dimensions(deliveries_queryset(window, params), by)
    aggregate = Count("pk", distinct=True) if "vulnerability" in by else Count("pk")
    return _grouped(qs, names, aggregate)


def value_delivered(window: Window, params: dict[str, Any], by: Sequence[str]) -> Table:
    cubed = _from_delivery_cube(window, params, by, "value")
    if cubed is not None:
        return cubed
    qs, names = _delivery_dimensions(deliveries_queryset(window, params), by)
    return _grouped(qs, names, Sum("value"))


def regions_covered(window: Window, params: dict[str, Any], by: Sequence[str]) -> Table:
    cubed = _from_delivery_cube(window, params, ["region"], "n")
    if cubed is not None:
        return {(): len({key[0] for key, n in cubed.items() if n and key[0] != UNKNOWN})}
    qs, names = _delivery_dimensions(deliveries_queryset(window, params), ["region"])
    codes = {code for code in qs.values_list(names[0], flat=True).distinct() if code != UNKNOWN}
    return {(): len(codes)}


# --- People and households reached (registry) ----------------------------------------------


def people_reached_queryset(window: Window, params: dict[str, Any]) -> QuerySet:
    """People who received something themselves, or whose household did."""
    from himaya.registry.models import Person

    qs = deliveries_queryset(window, params)
    # EXISTS, not IN: with millions of deliveries an OR of two IN-subqueries cannot be hashed
    # and PostgreSQL falls back to rescanning the list for every person.
    from himaya.registry.models import HouseholdMember

    # One IN over a UNION of the two routes: both databases build the set once. (An OR of
    # two IN-subqueries made PostgreSQL rescan ten million ids per person; an OR of two
    # correlated EXISTS made SQLite scan the deliveries per person.)
    own = qs.filter(person__isnull=False).order_by().values("person_id")
    members = HouseholdMember.objects.filter(
        household_id__in=qs.filter(household__isnull=False).order_by().values("household_id")
    ).order_by().values("person_id")
    return Person.objects.filter(pk__in=own.union(members))


def _person_dimensions(qs: QuerySet, by: Sequence[str], year: int) -> tuple[QuerySet, list[str]]:
    expressions: dict[str, Any] = {
        "sex": F("sex"),
        "nationality": Coalesce(F("nationality__alpha3"), Value(UNKNOWN)),
        "region": Coalesce(F("region__code"), F("organisation__region__code"), Value(UNKNOWN)),
        "partner": F("organisation__code"),
        "vulnerability": Case(
            When(vulnerabilities__sensitive=False, then=F("vulnerabilities__code")),
            default=Value("none"), output_field=CharField(),
        ),
    }
    if "age_group" in by:
        # Age at the end of the window: a person counts once, in one group.
        qs = qs.annotate(dim_age=Value(year) - F("birth_year"))
        expressions["age_group"] = _age_group("dim_age")
    names = [f"dim_{name}" for name in by]
    return qs.annotate(**{f"dim_{name}": expressions[name] for name in by}), names


def _from_reach_cube(unit: str, window: Window, params: dict[str, Any], by: Sequence[str],
                     year: int) -> Table | None:
    """Distinct people ("p") or households ("h") read from the reach cube: the rows whose
    signature meets the window's bits, each row a group of distinct people. None when the
    cube cannot answer (a filter on types, a window cutting a bucket, vulnerability)."""
    if params or any(name not in {"sex", "age_group", "nationality", "region", "partner"}
                     for name in by):
        return None
    from himaya.monitoring import aggregates
    from himaya.monitoring.models import ReachCube

    state = aggregates.current_state()
    buckets = state.buckets_for(window.start, window.end) if state else None
    if state is None or buckets is None:
        return None
    mask = state.mask(window.programme.pk if window.programme else None, buckets)
    columns = ["birth_year" if name == "age_group" else name for name in by]
    table: Table = {}
    rows = (ReachCube.objects.filter(unit=unit).values("signature", *columns)
            .annotate(total=Sum("n")).order_by())
    for row in rows:
        if not row["signature"] & mask:
            continue
        key = tuple(_age_band(year, row["birth_year"]) if c == "birth_year" else str(row[c])
                    for c in columns)
        table[key] = table.get(key, 0) + row["total"]
    return table if by else {(): table.get((), 0)}


def _age_band(year: int, birth_year: int | None) -> str:
    if birth_year is None:
        return UNKNOWN
    age = year - birth_year
    return next((label for label, low, high in AGE_GROUPS if low <= age <= high), UNKNOWN)


def distinct_people(window: Window, params: dict[str, Any], by: Sequence[str]) -> Table:
    year = (window.end or dt.date.today()).year  # noqa: DTZ011 - a calendar year, no time
    cubed = _from_reach_cube("p", window, params, by, year)
    if cubed is not None:
        return cubed
    qs, names = _person_dimensions(people_reached_queryset(window, params), by, year)
    return _grouped(qs, names, Count("pk", distinct=True))


def distinct_households(window: Window, params: dict[str, Any], by: Sequence[str]) -> Table:
    from himaya.registry.models import Household

    cubed = _from_reach_cube("h", window, params, by, 0)
    if cubed is not None:
        return cubed

    qs = deliveries_queryset(window, params)
    from himaya.registry.models import HouseholdMember

    own = qs.filter(household__isnull=False).order_by().values("household_id")
    through_people = HouseholdMember.objects.filter(
        person_id__in=qs.filter(person__isnull=False).order_by().values("person_id")
    ).order_by().values("household_id")
    households = Household.objects.filter(pk__in=own.union(through_people))
    names = []
    if "partner" in by:
        households = households.annotate(dim_partner=F("organisation__code"))
        names = ["dim_partner"]
    return _grouped(households, names, Count("pk", distinct=True))


# --- Vouchers ------------------------------------------------------------------------------


def value_redeemed(window: Window, params: dict[str, Any], by: Sequence[str]) -> Table:
    from himaya.vouchers.queries import value_redeemed_totals

    return dict(value_redeemed_totals(
        programme_id=window.programme.pk if window.programme else None,
        start=window.start, end=window.end, by=list(by)))


def value_issued(window: Window, params: dict[str, Any], by: Sequence[str]) -> Table:
    from himaya.vouchers.queries import value_issued_totals

    return dict(value_issued_totals(
        programme_id=window.programme.pk if window.programme else None,
        start=window.start, end=window.end, by=list(by)))


# --- Partner capacity ----------------------------------------------------------------------


def _organisation_table(organisations: QuerySet[Organisation], by: Sequence[str]) -> Table:
    counter: Counter[tuple[str, ...]] = Counter()
    for code, region in organisations.values_list("code", "region__code"):
        values = {"partner": code, "region": region or UNKNOWN}
        counter[tuple(values[name] for name in by)] += 1
    return dict(counter) if by else {(): sum(counter.values())}


def associations_validated_roadmap(window: Window, params: dict[str, Any],
                                   by: Sequence[str]) -> Table:
    from himaya.capacity.queries import associations_with_validated_roadmap

    organisations = associations_with_validated_roadmap(
        programme=window.programme, start=window.start, end=window.end
    )
    return _organisation_table(organisations, by)


def associations_accompanied(window: Window, params: dict[str, Any],
                             by: Sequence[str]) -> Table:
    """Associations with a roadmap or an accompaniment session under the programme."""
    from himaya.capacity.models import Roadmap, Session

    roadmaps = Roadmap.objects.all()
    sessions = Session.objects.all()
    if window.programme is not None:
        roadmaps = roadmaps.filter(programme=window.programme)
        sessions = sessions.filter(programme=window.programme)
    if window.end is not None:
        roadmaps = roadmaps.filter(start__lte=window.end)
        sessions = sessions.filter(held_on__lte=window.end)
    if window.start is not None:
        roadmaps = roadmaps.filter(end__gte=window.start)
        sessions = sessions.filter(held_on__gte=window.start)
    organisations = Organisation.objects.filter(
        Q(pk__in=roadmaps.values("organisation_id")) | Q(pk__in=sessions.values("organisation_id"))
    )
    return _organisation_table(organisations, by)


def actions_completed(window: Window, params: dict[str, Any], by: Sequence[str]) -> Table:
    from himaya.capacity.queries import actions_completed as completed

    qs = completed(programme=window.programme, start=window.start, end=window.end)
    names = []
    if by:
        mapping = {"partner": F("objective__roadmap__organisation__code"),
                   "region": Coalesce(F("objective__roadmap__organisation__region__code"),
                                      Value(UNKNOWN))}
        qs = qs.annotate(**{f"dim_{name}": mapping[name] for name in by})
        names = [f"dim_{name}" for name in by]
    return _grouped(qs, names, Count("pk"))


# The capacity app codes sex f/m; the framework speaks the registry's words.
CAPACITY_SEX = {"f": "female", "m": "male"}


def people_trained(window: Window, params: dict[str, Any], by: Sequence[str]) -> Table:
    from himaya.capacity.queries import people_trained as trained

    cells = trained(programme=window.programme, start=window.start, end=window.end)
    counter: Counter[tuple[str, ...]] = Counter()
    for (sex, age_group), count in cells.items():
        values = {"sex": CAPACITY_SEX.get(sex, sex), "age_group": age_group}
        counter[tuple(values[name] for name in by)] += count
    return dict(counter) if by else {(): sum(counter.values())}


_DELIVERY_PARAMS = frozenset({"types", "categories", "modalities"})
_DELIVERY_DIMS = ("sex", "age_group", "nationality", "region", "partner", "vulnerability")

KINDS: dict[str, Kind] = {
    kind.code: kind
    for kind in (
        Kind("deliveries", gettext_lazy("count of deliveries"), _DELIVERY_PARAMS,
             _DELIVERY_DIMS, deliveries),
        Kind("distinct_people", gettext_lazy("distinct people reached"), _DELIVERY_PARAMS,
             _DELIVERY_DIMS, distinct_people, additive=False),
        Kind("distinct_households", gettext_lazy("distinct households reached"),
             _DELIVERY_PARAMS, ("partner",), distinct_households, additive=False),
        Kind("value_delivered", gettext_lazy("value delivered (MAD)"), _DELIVERY_PARAMS,
             _DELIVERY_DIMS, value_delivered),
        Kind("value_issued", gettext_lazy("voucher value issued (MAD)"), frozenset(),
             ("region", "partner"), value_issued),
        Kind("value_redeemed", gettext_lazy("voucher value redeemed (MAD)"), frozenset(),
             ("region", "partner"), value_redeemed),
        Kind("associations_validated_roadmap",
             gettext_lazy("associations with a validated roadmap"), frozenset(),
             ("region", "partner"), associations_validated_roadmap, additive=False,
             about_people=False),
        Kind("associations_accompanied", gettext_lazy("associations accompanied"),
             frozenset(), ("region", "partner"), associations_accompanied, additive=False,
             about_people=False),
        Kind("actions_completed", gettext_lazy("roadmap actions completed"), frozenset(),
             ("region", "partner"), actions_completed, about_people=False),
        Kind("regions_covered", gettext_lazy("regions covered"), _DELIVERY_PARAMS, (),
             regions_covered, additive=False, about_people=False),
        Kind("people_trained", gettext_lazy("people trained"), frozenset(),
             ("sex", "age_group"), people_trained),
    )
}


def validate_definition(definition: Any) -> dict[str, Any]:
    """The definition, cleaned; a DefinitionError with a translated message if it is wrong."""
    if not isinstance(definition, dict):
        raise DefinitionError(_("A definition is an object with a “kind”."))
    code = definition.get("kind")
    kind = KINDS.get(code) if isinstance(code, str) else None
    if kind is None:
        raise DefinitionError(
            _("Unknown kind %(kind)s. Choose one of: %(kinds)s.")
            % {"kind": code, "kinds": ", ".join(sorted(KINDS))}
        )
    extra = set(definition) - {"kind"} - kind.parameters
    if extra:
        raise DefinitionError(
            _("The kind %(kind)s takes no parameter %(names)s.")
            % {"kind": code, "names": ", ".join(sorted(extra))}
        )
    for name in kind.parameters & set(definition):
        value = definition[name]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise DefinitionError(
                _("The parameter %(name)s must be a list of codes.") % {"name": name}
            )
    if "types" in definition:
        from himaya.assistance.models import AssistanceType

        known = set(AssistanceType.objects.filter(code__in=definition["types"])
                    .values_list("code", flat=True))
        missing = sorted(set(definition["types"]) - known)
        if missing:
            raise DefinitionError(
                _("No assistance type has the code %(codes)s.") % {"codes": ", ".join(missing)}
            )
    return {"kind": code, **{k: definition[k] for k in sorted(kind.parameters & set(definition))}}


def kind_of(definition: dict[str, Any]) -> Kind:
    return KINDS[validate_definition(definition)["kind"]]


def compute(definition: dict[str, Any], window: Window, by: Sequence[str] = ()) -> Table:
    """The measure a definition names, over a window, split by the given dimensions."""
    clean = validate_definition(definition)
    kind = KINDS[clean["kind"]]
    unsupported = [name for name in by if name not in kind.dimensions]
    if unsupported:
        raise DefinitionError(
            _("%(kind)s cannot be broken down by %(names)s.")
            % {"kind": kind.label, "names": ", ".join(unsupported)}
        )
    params = {k: v for k, v in clean.items() if k != "kind"}
    return kind.function(window, params, list(by))


def total(definition: dict[str, Any], window: Window) -> Number:
    return compute(definition, window).get((), 0)
