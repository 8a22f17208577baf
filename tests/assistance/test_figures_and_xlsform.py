"""Figures for results (scoped, and the unscoped aggregate for the results layer), the
vouchers layer's query, and the check-in XLSForm whose choices carry codes, not names."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest

from himaya.assistance import queries, xlsform
from tests.assistance.factories import deliver, distribution_of
from tests.registry.factories import make_person


def test_figures_by_type_and_sex_within_scope(world):
    a = make_person(world.partner_a)
    b = make_person(world.partner_b, region="02", sex="male")
    deliver(world.partner_a, a)
    deliver(world.partner_b, b)
    rows = queries.delivery_figures(world.users["coord_a"], by=["type", "sex", "age_group"])
    assert rows == [{"type": "food-voucher", "sex": "female", "age_group": "18-59", "deliveries": 1,
                     "quantity": Decimal(1), "value": Decimal("500.00"), "people": 1, "households": 0}]
    everyone = queries.delivery_figures_unscoped(by=["partner"])
    assert {r["partner"]: r["deliveries"] for r in everyone} == {"partner-a": 1, "partner-b": 1}
    assert queries.delivery_figures(world.users["donor"], by=["partner"]) == []
    assert queries.voucher_deliveries().count() == 2
    with pytest.raises(ValueError):
        queries.delivery_figures(world.users["me"], by=["name"])


def test_the_xlsform_carries_codes_never_names(world):
    person = make_person(world.partner_a, given_name="Mariama", family_name="Bah")
    distribution = distribution_of(world.partner_a, [person], types=("food-voucher",))
    archive = zipfile.ZipFile(io.BytesIO(xlsform.check_in_workbook(distribution)))
    assert sorted(archive.namelist()) == ["check-in.xlsx", "targets.csv"]
    targets = archive.read("targets.csv").decode()
    assert person.code in targets and "Mariama" not in targets and "Bah" not in targets
    pytest.importorskip("pyxform")
    from pyxform.xls2xform import convert

    result = convert(xlsform=io.BytesIO(archive.read("check-in.xlsx")), file_type=".xlsx")
    assert "targets.csv" in result.xform


def test_kobo_submissions_become_idempotent_sync_items(world):
    from himaya.assistance import sync

    person = make_person(world.partner_a)
    distribution = distribution_of(world.partner_a, [person], types=("food-voucher",), status="in_progress")
    submissions = [{"meta/instanceID": "uuid:6f1c1c1e-9f3b-4f7e-9a38-1f0b7f4e2a11", "person": person.code,
                    "outcome": "delivered"}]
    items = xlsform.submissions_to_items(distribution, submissions)
    first = sync.sync_batch(actor=world.users["agent_a"], raw_items=items, source="kobo")
    again = sync.sync_batch(actor=world.users["agent_a"], raw_items=items, source="kobo")
    assert [o.status for o in first] == ["created"] and [o.status for o in again] == ["replayed"]
