"""Stock: receipts, transfers, losses with a reason, deliveries that decrement it; the
balance never goes negative (service check, database constraint, row locks under
concurrent deliveries); the reconciliation adds up."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction

from himaya.assistance import queries, services, stock
from himaya.assistance.models import Delivery, StockBalance, StockMovement, Warehouse
from tests.assistance.factories import DAY, item, kind, programme_of, stocked_warehouse
from tests.registry.factories import make_person

NAMES = ["Awa", "Binta", "Coumba", "Djeneba", "Esther", "Fatou", "Grace", "Hawa", "Issa", "Jean", "Kofi", "Lamine"]


def test_receipts_transfers_losses_and_reconciliation(world):
    main = stock.warehouse_create(actor=None, organisation=world.partner_a, name="Principal")
    annex = stock.warehouse_create(actor=None, organisation=world.partner_a, name="Annexe")
    rice = item("rice")
    stock.stock_receive(actor=None, warehouse=main, item=rice, quantity=Decimal(100), on=DAY)
    stock.stock_transfer(actor=None, source=main, destination=annex, item=rice, quantity=Decimal(30), on=DAY)
    with pytest.raises(ValidationError):
        stock.stock_lose(actor=None, warehouse=annex, item=rice, quantity=Decimal(5), on=DAY, reason=" ")
    stock.stock_lose(actor=None, warehouse=annex, item=rice, quantity=Decimal(5), on=DAY, reason="Humidité")
    with pytest.raises(ValidationError):
        stock.stock_transfer(actor=None, source=annex, destination=main, item=rice, quantity=Decimal(26), on=DAY)
    balances = dict(StockBalance.objects.values_list("warehouse__name", "quantity"))
    assert balances == {"Principal": Decimal(70), "Annexe": Decimal(25)}
    rows = queries.stock_reconciliation(Warehouse.objects.all())
    assert all(r["difference"] == 0 for r in rows)
    annex_row = next(r for r in rows if r["warehouse"] == annex)
    assert (annex_row["transfer_in"], annex_row["loss"], annex_row["balance"]) == (30, -5, 25)


def test_the_database_refuses_a_negative_balance(world):
    warehouse = stock.warehouse_create(actor=None, organisation=world.partner_a, name="Principal")
    balance = StockBalance.objects.create(warehouse=warehouse, item=item("oil"), quantity=Decimal(1))
    with pytest.raises(IntegrityError), transaction.atomic():
        StockBalance.objects.filter(pk=balance.pk).update(quantity=Decimal(-1))


def test_a_delivery_beyond_the_stock_is_refused_and_nothing_moves(world):
    warehouse = stocked_warehouse(world.partner_a, kits=1)
    person = make_person(world.partner_a)
    data = {"programme": programme_of(world.partner_a), "assistance_type": kind("food-kit"), "delivered_on": DAY,
            "person": person, "warehouse": warehouse}
    services.delivery_record(actor=None, organisation=world.partner_a, data=services.DeliveryData(**data))
    before = StockMovement.objects.count()
    with pytest.raises(ValidationError):
        services.delivery_record(actor=None, organisation=world.partner_a,
                                 data=services.DeliveryData(**{**data, "delivered_on": DAY + dt.timedelta(1)}))
    assert StockMovement.objects.count() == before and Delivery.objects.count() == 1
    assert StockBalance.objects.get(warehouse=warehouse, item=item("rice")).quantity == 0


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite serialises every writer on one file lock; the row locks and the race only "
                           "exist on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_never_overdraw(world):
    kits = 5
    warehouse = stocked_warehouse(world.partner_a, kits=kits)
    people = [make_person(world.partner_a, given_name=name) for name in NAMES]
    programme = programme_of(world.partner_a)
    food_kit = kind("food-kit")
    barrier = threading.Barrier(len(people))
    outcomes: list[str] = []

    def deliver(person: object) -> None:
        try:
            barrier.wait()
            services.delivery_record(actor=None, organisation=world.partner_a, data=services.DeliveryData(
                programme=programme, assistance_type=food_kit, delivered_on=DAY, person=person,
                warehouse=warehouse))
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == kits and outcomes.count("refused") == len(people) - kits
    assert StockBalance.objects.filter(quantity__lt=0).count() == 0
    assert StockBalance.objects.get(warehouse=warehouse, item=item("rice")).quantity == 0
    assert all(r["difference"] == 0 for r in queries.stock_reconciliation(Warehouse.objects.all()))
