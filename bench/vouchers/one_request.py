"""One voucher redemption through the whole Django stack, measured: CPU and round trips.

Load-independent figures for `POST /api/v1/vouchers/redeem/` (what the shared machine's
crowd cannot distort much): the Python CPU per request in this process (middleware,
token authentication, DRF, the service), the PostgreSQL backend's CPU per request (read
from /proc for the backend serving this connection), and the SQL statements sent per
request (each one a round trip). With `--profile`, the functions where the Python time
goes (cProfile, sorted by own time).

It creates a throw-away database on BENCH_PG_URL (default
postgres://postgres@127.0.0.1:5432/postgres), migrates it, issues vouchers through the
services, sends the requests with Django's test client (every middleware, DRF, the real
token header) and drops the database.

Usage: python bench/vouchers/one_request.py [--requests 2000] [--profile]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DB_NAME = "himaya_bench_vouchers_profile"
sys.path.insert(0, str(ROOT))

from bench.vouchers.run import pg_url, psql  # noqa: E402


def backend_cpu(pid: int) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick


def child(requests: int, profile: bool) -> None:
    import cProfile
    import io
    import pstats
    import time
    import uuid

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_reference", verbosity=0)
    import datetime as dt

    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from himaya.accounts.roles import Role
    from himaya.accounts.services import token_create, user_create
    from himaya.organisations.services import organisation_create
    from himaya.reference.models import Region
    from himaya.registry.services import person_register
    from himaya.registry.validation import person_data_validate
    from himaya.vouchers.services import vendor_contract_set, voucher_issue

    region = Region.objects.get(code="01")
    partner = organisation_create(actor=None, code="prof-asso", kind="partner", name_fr="Asso", region=region)
    consents = [{"purpose": p, "legal_basis": "consent"} for p in ("registration", "assistance")]
    person = person_register(actor=None, organisation=partner, data=person_data_validate({
        "given_name": "Awa", "family_name": "Banc", "sex": "female", "birth_year": "1990",
        "region": "01", "consents": consents})).person
    vendor = organisation_create(actor=None, code="prof-shop", kind="vendor", name_fr="Shop", region=region)
    vendor_contract_set(actor=None, vendor=vendor, categories=["food"])
    user = user_create(actor=None, username="prof-vendor", email="v@prof.invalid", organisation=vendor,
                       role=Role.VENDOR)
    raw = token_create(actor=user, name="prof").raw
    today = timezone.localdate()
    pool = [i.code for i in voucher_issue(
        actor=None, partner=partner, beneficiaries=[person] * 500, category="food", value="100000",
        valid_from=today, valid_until=today + dt.timedelta(days=30))]

    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    statements: list[str] = []
    autocommitted: list[str] = []

    def count(execute, sql, params, many, context):  # noqa: ANN001, ANN202
        statements.append(sql)
        if not context["connection"].in_atomic_block:
            autocommitted.append(sql)  # its own transaction, with no BEGIN or COMMIT sent
        return execute(sql, params, many, context)

    def send(i: int) -> int:
        response = client.post("/api/v1/vouchers/redeem/", {"code": pool[i % len(pool)], "amount": "1"},
                               content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
        return response.status_code

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    for i in range(200):  # warm-up: imports, caches, the connection (and its setting)
        assert send(i) == 201

    # One request, statement by statement.
    statements.clear()
    with connection.execute_wrapper(count):
        assert send(0) == 201
    one = list(statements)

    def commits() -> int:
        # The server's own count of committed transactions in this database (each one a
        # BEGIN and a COMMIT round trip besides the statements counted above).
        time.sleep(2.0)  # a backend reports its statistics at most once a second, when idle
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
            return cursor.fetchone()[0]

    profiler = cProfile.Profile(time.process_time) if profile else None  # CPU, not waits
    commits_before = commits()
    statements.clear()
    autocommitted.clear()
    cpu0, pg0, wall0 = time.process_time(), backend_cpu(backend), time.perf_counter()
    with connection.execute_wrapper(count):
        if profiler:
            profiler.enable()
        for i in range(requests):
            assert send(i) == 201
        if profiler:
            profiler.disable()
    cpu, pg, wall = (time.process_time() - cpu0, backend_cpu(backend) - pg0, time.perf_counter() - wall0)
    transactions = commits() - commits_before - 2  # less the two reads of the count itself

    print(f"load average {os.getloadavg()[0]:.1f}; {requests} redemptions, one client, test client")
    print(f"| Python CPU per redemption (middleware, auth, DRF, service) | {cpu / requests * 1000:.2f} ms |")
    print(f"| PostgreSQL backend CPU per redemption | {pg / requests * 1000:.2f} ms |")
    print(f"| SQL statements per redemption | {len(statements) / requests:.2f} |")
    explicit = transactions - len(autocommitted)
    print(f"| transactions per redemption: explicit (BEGIN … COMMIT) + single statements | "
          f"{explicit / requests:.2f} + {len(autocommitted) / requests:.2f} |")
    print(f"| round trips to PostgreSQL per redemption | {(len(statements) + 2 * explicit) / requests:.2f} |")
    print(f"| wall time per redemption, one client | {wall / requests * 1000:.2f} ms |")
    print("\nStatements of one redemption:")
    for sql in one:
        print("  ", sql[:160])
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(35)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(160)
        print(out.getvalue())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", action="store_true", help="print where the Python time goes")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.requests, args.profile)
        return 0
    base = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    var_dir = tempfile.mkdtemp(prefix="hvar-bench-profile-")
    env = {**os.environ, "DATABASE_URL": pg_url(base, DB_NAME), "HIMAYA_VAR_DIR": var_dir,
           "HIMAYA_ENV": "development", "DEBUG": "false", "LOG_LEVEL": "ERROR",
           "DJANGO_SETTINGS_MODULE": "himaya.settings", "PYTHONPATH": str(ROOT)}
    psql(base, f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    psql(base, f"CREATE DATABASE {DB_NAME}")
    try:
        argv = [sys.executable, __file__, "--child", "--requests", str(args.requests)]
        return subprocess.run(argv + (["--profile"] if args.profile else []), env=env, cwd=ROOT).returncode
    finally:
        psql(base, f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


if __name__ == "__main__":
    sys.exit(main())
