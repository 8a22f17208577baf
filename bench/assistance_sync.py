"""Benchmark of the offline sync: 1,000 deliveries in one batch, through the real API view.

Creates a throw-away database (SQLite in a temporary folder, or PostgreSQL when
DATABASE_URL is set: a test database beside it), migrates it, registers 1,000 people of
one association with their consent, stocks a warehouse, declares the RDPP's rules, then
times one POST of 1,000 deliveries (800 food vouchers, 200 food kits drawn from stock)
to /api/v1/assistance/deliveries/sync/, and the same batch sent again (all replays).

Usage: python bench/assistance_sync.py [--items 1000] [--limit 2.0]
Exit status 1 when the first send is over the limit.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--limit", type=float, default=2.0)
    args = parser.parse_args()
    os.environ.setdefault("HIMAYA_VAR_DIR", tempfile.mkdtemp(prefix="hvar-bench-sync-"))
    os.environ["HIMAYA_ENV"] = "test"
    os.environ["DJANGO_SETTINGS_MODULE"] = "himaya.settings"
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        return run(args.items, args.limit)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(count: int, limit: float) -> int:
    import datetime as dt
    from decimal import Decimal

    from django.db import connection
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from himaya.accounts.models import Membership, User
    from himaya.accounts.roles import Role
    from himaya.assistance import stock
    from himaya.assistance.models import AssistanceType, Delivery, EntitlementRule
    from himaya.organisations.models import Agreement, Organisation, Programme
    from himaya.reference.loading import load_reference
    from himaya.reference.models import Currency, Region, ThematicAxis
    from himaya.registry import codes
    from himaya.registry.models import Consent, Household, HouseholdMember, Person, Purpose

    load_reference()
    region = Region.objects.get(code="01")
    mission = Organisation.objects.create(code="mission", kind="mission", name_fr="Mission", region=region)
    partner = Organisation.objects.create(code="asso", kind="partner", name_fr="Association", region=region)
    programme = Programme.objects.create(code="rdpp", title_fr="RDPP", lead=mission, start=dt.date(2019, 1, 1),
                                         end=dt.date(2022, 12, 31),
                                         axis=ThematicAxis.objects.get(code="protection-resilience"))
    agreement = Agreement.objects.create(reference="A-1", partner=partner, programme=programme,
                                         start=dt.date(2019, 1, 1), end=dt.date(2022, 12, 31),
                                         budget=Decimal(1), currency=Currency.objects.get(code="MAD"))
    agreement.regions.set([region])
    user = User.objects.create_user(username="agent", password="bench-password-long")
    Membership.objects.create(user=user, organisation=partner, role=Role.FIELD_AGENT)
    types = {t.code: t for t in AssistanceType.objects.all()}
    for code in ("food-kit", "food-voucher"):
        rule = EntitlementRule.objects.create(programme=programme, assistance_type=types[code], period="month",
                                              max_per_household=1)
        rule.excludes.set([types["food-voucher" if code == "food-kit" else "food-kit"]])

    people = [Person(code=codes.new_code(), organisation=partner, given_name=f"Bench{i}", sex="female",
                     birth_year=1990, region=region) for i in range(count)]
    Person.objects.bulk_create(people, batch_size=500)
    households = [Household(code=codes.new_code(), organisation=partner) for _ in people]
    Household.objects.bulk_create(households, batch_size=500)
    HouseholdMember.objects.bulk_create([HouseholdMember(household=h, person=p, relationship="head")
                                         for h, p in zip(households, people, strict=True)], batch_size=500)
    Consent.objects.bulk_create([Consent(person=p, purpose=Purpose.ASSISTANCE, legal_basis="consent",
                                         status="given", collected_on=dt.date(2020, 1, 1)) for p in people],
                                batch_size=500)
    warehouse = stock.warehouse_create(actor=None, organisation=partner, name="Dépôt")
    kits = count // 5
    for part in types["food-kit"].components.all():
        stock.stock_receive(actor=None, warehouse=warehouse, item=part.item, quantity=part.quantity * kits,
                            on=dt.date(2021, 1, 1))

    items = [{"uuid": str(uuid.uuid4()), "type": "food-kit" if i < kits else "food-voucher",
              "person": person.code, "delivered_on": "2021-03-15", "site": "Centre",
              **({"warehouse": warehouse.pk} if i < kits else {})}
             for i, person in enumerate(people)]
    client = Client()
    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    url = "/api/v1/assistance/deliveries/sync/"
    client.get("/api/v1/assistance/deliveries/")  # a running server has loaded its code already

    profile = os.environ.get("BENCH_PROFILE")  # a file name: where to write a cProfile of the first send
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started, cpu = time.perf_counter(), time.process_time()
    first = client.post(url, {"deliveries": items}, content_type="application/json")
    first_seconds, first_cpu = time.perf_counter() - started, time.process_time() - cpu
    if profile:
        profiler.disable()
        profiler.dump_stats(profile)
    started, cpu = time.perf_counter(), time.process_time()
    again = client.post(url, {"deliveries": items}, content_type="application/json")
    again_seconds, again_cpu = time.perf_counter() - started, time.process_time() - cpu

    created, replayed = first.json()["created"], again.json()["replayed"]
    stored = Delivery.objects.count()
    engine = connection.vendor
    # The wall time is the figure held against the limit; the CPU time of this process (the
    # whole request, and for SQLite the database too) shows what a busy machine hides.
    load = os.getloadavg()[0]
    print(f"Assistance sync — {count:,} deliveries in one batch ({engine}, {os.cpu_count()} CPUs, "
          f"load average {load:.1f})")
    print(f"  first send   {first_seconds:6.2f} s   limit {limit:.2f} s   {'OK' if first_seconds <= limit else 'OVER'}"
          f"   cpu {first_cpu:5.2f} s   ({created} created, status {first.status_code})")
    print(f"  replay       {again_seconds:6.2f} s   limit {limit:.2f} s   "
          f"{'OK' if again_seconds <= limit else 'OVER'}   cpu {again_cpu:5.2f} s   ({replayed} replayed, "
          f"status {again.status_code})")
    print(f"  rows stored  {stored} (expected {count})")
    ok = first.status_code == 200 and created == count and replayed == count and stored == count
    return 0 if ok and first_seconds <= limit else 1


if __name__ == "__main__":
    sys.exit(main())
