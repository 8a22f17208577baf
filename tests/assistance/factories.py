"""Assistance objects made the way the application makes them, through its services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from himaya.assistance import services, stock
from himaya.assistance.models import AssistanceType, Distribution, Item, Referral, Warehouse
from himaya.organisations.models import Organisation
from tests.factories import OrganisationFactory

DAY = dt.date(2021, 3, 15)


def kind(code: str) -> AssistanceType:
    return AssistanceType.objects.get(code=code)


def programme_of(organisation: Organisation) -> Any:
    return organisation.agreements.first().programme


def stocked_warehouse(organisation: Organisation, kits: int = 10, name: str = "Dépôt") -> Warehouse:
    """A warehouse holding enough items for `kits` food kits and hygiene kits."""
    warehouse = stock.warehouse_create(actor=None, organisation=organisation, name=name)
    for code in ("food-kit", "hygiene-kit"):
        for part in kind(code).components.all():
            stock.stock_receive(actor=None, warehouse=warehouse, item=part.item,
                                quantity=part.quantity * kits, on=DAY - dt.timedelta(days=30))
    return warehouse


def deliver(organisation: Organisation, person: Any = None, household: Any = None, code: str = "food-voucher",
            on: dt.date = DAY, actor: Any = None, **extra: Any) -> Any:
    return services.delivery_record(actor=actor, organisation=organisation, data=services.DeliveryData(
        programme=programme_of(organisation), assistance_type=kind(code), delivered_on=on, person=person,
        household=household, **extra))


def distribution_of(organisation: Organisation, people: list[Any], warehouse: Warehouse | None = None,
                    types: tuple[str, ...] = ("food-kit",), status: str = "draft") -> Distribution:
    distribution = services.distribution_create(
        actor=None, organisation=organisation, programme=programme_of(organisation), title="Distribution test",
        planned_on=DAY, site="Centre", types=[kind(c) for c in types], warehouse=warehouse)
    if people:
        services.distribution_targets_set(actor=None, distribution=distribution, people=people, filters={})
    path = {"draft": [], "approved": ["approved"], "in_progress": ["approved", "in_progress"],
            "closed": ["approved", "in_progress", "closed"]}[status]
    for step in path:
        services.distribution_move(actor=None, distribution=distribution, to=step)
    distribution.refresh_from_db()
    return distribution


def facility() -> Organisation:
    existing = Organisation.objects.filter(kind=Organisation.Kind.HEALTH_FACILITY).first()
    return existing or OrganisationFactory(kind=Organisation.Kind.HEALTH_FACILITY, code="centre-sante")


def referral_of(organisation: Organisation, person: Any, notes: str = "") -> Referral:
    return services.referral_create(
        actor=None, organisation=organisation, programme=programme_of(organisation), person=person,
        facility=facility(), category=Referral.MedicalCategory.MATERNAL, referred_on=DAY,
        cost_covered=Decimal("350"), clinical_notes=notes)


def item(code: str) -> Item:
    return Item.objects.get(code=code)


def ensure_catalogue() -> None:
    """Put the seed's catalogue back after a transactional test flushed the data migration's rows."""
    if AssistanceType.objects.filter(code="food-kit").exists():
        return
    import importlib

    from django.apps import apps

    importlib.import_module("himaya.assistance.migrations.0002_seed_catalogue").seed(apps, None)
