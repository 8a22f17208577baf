"""Stock writes: receipts, transfers, losses, and the decrement that deliveries make.

A balance never goes negative: the database refuses it (a check constraint), and
every write locks the balance rows it touches with `select_for_update()` in
primary-key order first, so two partners' field agents delivering from one
warehouse at once queue instead of deadlocking or overdrawing (see
docs/decisions/0401-assistance-stock-locking.md). Movements are append-only and
the balance is always their sum; `queries.stock_reconciliation` checks it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from himaya.assistance.models import Item, StockBalance, StockMovement, Warehouse
from himaya.audit.services import audit_record

Need = dict[tuple[int, int], Decimal]  # (warehouse id, item id) → quantity


def lock_balances(keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], StockBalance]:
    """The balance rows for these (warehouse, item) pairs, created if missing, locked in pk order."""
    keys = sorted(set(keys))
    if not keys:
        return {}
    warehouses = {w for w, _i in keys}
    existing = {(b.warehouse_id, b.item_id) for b in StockBalance.objects.filter(warehouse_id__in=warehouses)}
    missing = [StockBalance(warehouse_id=w, item_id=i) for w, i in keys if (w, i) not in existing]
    if missing:
        # A concurrent creator of the same row is fine: the unique constraint keeps one.
        StockBalance.objects.bulk_create(missing, ignore_conflicts=True)
    rows = (StockBalance.objects.select_for_update()
            .filter(warehouse_id__in=warehouses, item_id__in={i for _w, i in keys}).order_by("pk"))
    return {(b.warehouse_id, b.item_id): b for b in rows if (b.warehouse_id, b.item_id) in set(keys)}


def apply_movements(movements: list[StockMovement], balances: dict[tuple[int, int], StockBalance]) -> None:
    """Write movements and the balances they change (already locked by the caller)."""
    changed: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for movement in movements:
        changed[(movement.warehouse_id, movement.item_id)] += movement.quantity
    for key, delta in changed.items():
        balance = balances[key]
        balance.quantity += delta
        if balance.quantity < 0:
            raise ValidationError(_("Not enough stock."))
    StockMovement.objects.bulk_create(movements)
    StockBalance.objects.bulk_update([balances[key] for key in changed], ["quantity"])


@transaction.atomic
def warehouse_create(*, actor: Any, organisation: Any, name: str, commune: Any = None) -> Warehouse:
    """A warehouse of the caller's association (the organisation comes from the scope)."""
    warehouse = Warehouse.objects.create(organisation=organisation, name=name.strip(), commune=commune)
    audit_record(actor=actor, kind="create", action="warehouse.create", target=warehouse,
                 organisation_id=organisation.pk)
    return warehouse


def _check_quantity(quantity: Decimal) -> None:
    if quantity <= 0:
        raise ValidationError(_("The quantity must be more than zero."))


@transaction.atomic
def stock_receive(*, actor: Any, warehouse: Warehouse, item: Item, quantity: Decimal, on: dt.date,
                  reason: str = "") -> StockMovement:
    """Goods received into a warehouse (a purchase, a donation in kind)."""
    _check_quantity(quantity)
    balances = lock_balances([(warehouse.pk, item.pk)])
    movement = StockMovement(warehouse=warehouse, item=item, kind=StockMovement.Kind.RECEIPT, quantity=quantity,
                             moved_on=on, reason=reason, created_by=_user(actor))
    apply_movements([movement], balances)
    audit_record(actor=actor, kind="create", action="stock.receive", target=warehouse,
                 organisation_id=warehouse.organisation_id, fields=[item.code])
    return movement


@transaction.atomic
def stock_lose(*, actor: Any, warehouse: Warehouse, item: Item, quantity: Decimal, on: dt.date,
               reason: str) -> StockMovement:
    """Goods lost, spoiled or stolen: a reason is required."""
    _check_quantity(quantity)
    if not reason.strip():
        raise ValidationError(_("Say why the stock was lost."))
    balances = lock_balances([(warehouse.pk, item.pk)])
    movement = StockMovement(warehouse=warehouse, item=item, kind=StockMovement.Kind.LOSS, quantity=-quantity,
                             moved_on=on, reason=reason.strip(), created_by=_user(actor))
    _apply_or_explain([movement], balances, item)
    audit_record(actor=actor, kind="change", action="stock.loss", target=warehouse,
                 organisation_id=warehouse.organisation_id, fields=[item.code], reason=reason)
    return movement


@transaction.atomic
def stock_transfer(*, actor: Any, source: Warehouse, destination: Warehouse, item: Item, quantity: Decimal,
                   on: dt.date, reason: str = "") -> tuple[StockMovement, StockMovement]:
    """Move goods between two warehouses of the caller's scope: one movement out, one in."""
    _check_quantity(quantity)
    if source.pk == destination.pk:
        raise ValidationError(_("Choose two different warehouses."))
    balances = lock_balances([(source.pk, item.pk), (destination.pk, item.pk)])
    out = StockMovement(warehouse=source, item=item, kind=StockMovement.Kind.TRANSFER_OUT, quantity=-quantity,
                        moved_on=on, reason=reason, counterpart=destination, created_by=_user(actor))
    into = StockMovement(warehouse=destination, item=item, kind=StockMovement.Kind.TRANSFER_IN, quantity=quantity,
                         moved_on=on, reason=reason, counterpart=source, created_by=_user(actor))
    _apply_or_explain([out, into], balances, item)
    audit_record(actor=actor, kind="change", action="stock.transfer", target=source,
                 organisation_id=source.organisation_id, fields=[item.code])
    return out, into


def _apply_or_explain(movements: list[StockMovement], balances: dict[tuple[int, int], StockBalance],
                      item: Item) -> None:
    try:
        apply_movements(movements, balances)
    except ValidationError:
        available = balances[(movements[0].warehouse_id, item.pk)].quantity - sum(
            (m.quantity for m in movements if m.warehouse_id == movements[0].warehouse_id), Decimal(0))
        raise ValidationError(_("Not enough %(item)s in stock: %(available)s %(unit)s available.") % {
            "item": item.name, "available": f"{available.normalize():f}", "unit": item.unit}) from None


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None
