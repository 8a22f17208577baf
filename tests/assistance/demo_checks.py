"""The demo's assistance: the RDPP's figures come from generated rows, the 2020 shift to
vouchers shows, the programme's rules hold (overrides apart) and the stock reconciles."""

from __future__ import annotations

from django.db.models import Count
from django.db.models.functions import TruncMonth

from himaya.assistance import queries
from himaya.assistance.models import (
    Delivery,
    Distribution,
    DistributionTarget,
    Referral,
    StockBalance,
    Warehouse,
)


def check_the_demo_tells_the_rdpp_assistance_story():
    """Called from tests/test_demo_scenario.py, which builds the demo once for every check."""
    direct = Delivery.objects.filter(assistance_type__code__in=["food-kit", "food-voucher", "hygiene-kit"])
    assert direct.count() > 22_100
    assert Referral.objects.count() > 4_000
    assert Delivery.objects.filter(assistance_type__code="medical-assistance").count() == Referral.objects.count()
    assert direct.values("organisation").distinct().count() == 15
    assert direct.values("organisation__region").distinct().count() == 7
    assert direct.filter(delivered_on__year=2019).exists() and direct.filter(delivered_on__year=2022).exists()

    def share_of_vouchers(year: int) -> float:
        food = direct.filter(delivered_on__year=year, assistance_type__category="food")
        return food.filter(assistance_type__modality="voucher").count() / food.count()

    assert share_of_vouchers(2020) > 2 * share_of_vouchers(2019)
    assert share_of_vouchers(2020) > 1.5 * share_of_vouchers(2021)

    # One food kit or voucher per household per month, kits and vouchers exclusive: only overrides break it.
    food = (direct.filter(assistance_type__category="food", override_reason="")
            .annotate(month=TruncMonth("delivered_on"))
            .values("person__membership__household", "month").annotate(n=Count("pk")).filter(n__gt=1))
    assert list(food) == []
    overrides = Delivery.objects.exclude(override_reason="")
    assert overrides.exists() and all(d.broken_rules for d in overrides)

    assert Distribution.objects.filter(status="closed").count() > 500
    statuses = set(DistributionTarget.objects.values_list("status", flat=True))
    assert {"delivered", "no_show", "refused"} <= statuses

    rows = queries.stock_reconciliation(Warehouse.objects.all())
    assert rows and all(row["difference"] == 0 for row in rows)
    assert not StockBalance.objects.filter(quantity__lt=0).exists()
    kinds = {row_kind for row in rows for row_kind in ("receipt", "delivery", "loss", "transfer_in") if row[row_kind]}
    assert kinds == {"receipt", "delivery", "loss", "transfer_in"}
    assert queries.voucher_deliveries().count() == direct.filter(assistance_type__code="food-voucher").count()
