"""Benchmark of the results layer on PostgreSQL: public dashboard and indicator table.

Creates a dedicated database, migrates it, loads the reference data, generates PEOPLE
people and DELIVERIES deliveries with generate_series (15 partners, 7 regions, 2019–2022,
the four catalogue types), then times in the same run:

- the public figures endpoint and the /data/ page, cold (first count) and warm (p50/p95
  of 50 requests), beside the plain SQL GROUP BY that computes the same numbers;
- a programme's indicator table (the RDPP demo framework), cold and warm, beside plain
  SQL GROUP BYs computing the same actuals.

Usage: python bench/results/run.py [--people 1000000] [--deliveries 10000000] [--keep]
The database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
NAME = "himaya_bench_results"


def psql(sql: str, database: str = "postgres") -> None:
    subprocess.run(["psql", f"{SERVER}/{database}", "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
                   check=True)


def himaya(*args: str) -> None:
    env = {**os.environ, "DATABASE_URL": f"{SERVER}/{NAME}", "HIMAYA_VAR_DIR": "/tmp/hvar-bench"}
    subprocess.run([sys.executable, "-m", "himaya.cli", *args], check=True, env=env, cwd=ROOT)


GENERATE = """
SET synchronous_commit = off;
INSERT INTO registry_person (code, external_id, source_digest, given_name, family_name,
  other_names, sex, birth_precision, birth_date, birth_year, phone, phone_index, name_index,
  registered_at, updated_at, version, organisation_id, region_id, nationality_id)
SELECT 'B' || lpad(i::text, 8, '0'), '', '', 'x', '', '',
  (ARRAY['female','male','female','male','other','not_stated'])[1 + i % 6], 'year', '',
  1950 + (i::bigint * 7919) % 70, '', '', '', now(), now(), 1,
  o.id, o.region_id, k.id
FROM generate_series(1, {people}) AS i
JOIN (SELECT id, region_id, row_number() OVER (ORDER BY id) - 1 AS n
      FROM organisations_organisation WHERE kind = 'partner') AS o ON o.n = i % 15
JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM reference_country) AS k
  ON k.n = i % 20;
"""

DELIVERIES = """
SET synchronous_commit = off;
INSERT INTO assistance_delivery (organisation_id, programme_id, assistance_type_id, person_id,
  quantity, value, delivered_on, site, client_uuid, source_digest, source, override_reason,
  broken_rules, created_at)
SELECT p.organisation_id, {programme}, t.id, p.id, 1, t.unit_value,
  DATE '2019-01-01' + ((i * 37) % 1460), '', gen_random_uuid(), '', 'demo', '', '[]', now()
FROM generate_series(1, {deliveries}) AS i
JOIN registry_person p ON p.id = {first_person} + (i::bigint * 104729) % {people}
JOIN (SELECT id, unit_value, row_number() OVER (ORDER BY id) - 1 AS n
      FROM assistance_assistancetype) AS t ON t.n = CASE WHEN i % 6 = 0 THEN 3 ELSE i % 3 END;
"""


def connect() -> None:
    os.environ["DATABASE_URL"] = f"{SERVER}/{NAME}"
    os.environ.setdefault("HIMAYA_VAR_DIR", "/tmp/hvar-bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "himaya.settings")
    import django

    django.setup()


def setup(people: int, deliveries: int) -> dict[str, float]:
    timings: dict[str, float] = {}
    psql(f"DROP DATABASE IF EXISTS {NAME}")
    psql(f"CREATE DATABASE {NAME}")
    started = time.perf_counter()
    himaya("migrate", "-v0")
    himaya("load-reference")
    timings["schema and reference data"] = time.perf_counter() - started
    connect()
    from django.db import connection, transaction

    from himaya.scenario import foundation, results
    from himaya.scenario.world import DemoWorld

    started = time.perf_counter()
    world = DemoWorld()
    with transaction.atomic():
        foundation.build(world)  # mission, 15 partners in 7 regions, the RDPP, users
    programme = world["programme"]
    with connection.cursor() as cursor:
        cursor.execute(GENERATE.format(people=people))
        cursor.execute("SELECT min(id) FROM registry_person")
        first = cursor.fetchone()[0]
        # Indexes are built once after the load: far faster than maintaining them per row.
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes i WHERE tablename = "
                       "'assistance_delivery' AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                       "WHERE c.conname = i.indexname)")
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        cursor.execute("ALTER TABLE assistance_delivery DISABLE TRIGGER ALL")
        cursor.execute(DELIVERIES.format(programme=programme.pk, deliveries=deliveries,
                                         first_person=first, people=people))
        cursor.execute("ALTER TABLE assistance_delivery ENABLE TRIGGER ALL")
        for _name, definition in indexes:
            cursor.execute(definition.replace("CREATE UNIQUE INDEX", "CREATE UNIQUE INDEX IF NOT EXISTS")
                           .replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS"))
        cursor.execute("VACUUM ANALYZE assistance_delivery")
        cursor.execute("VACUUM ANALYZE registry_person")
    with transaction.atomic():
        results.build(world)
    timings["generate people and deliveries"] = time.perf_counter() - started
    return timings


COLD_CPU: dict[str, float] = {}


def timed(function, repeat: int = 50) -> tuple[float, float, float]:  # noqa: ANN001
    started, cpu = time.perf_counter(), time.process_time()
    function()
    cold = time.perf_counter() - started
    COLD_CPU[str(len(COLD_CPU))] = time.process_time() - cpu
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    samples.sort()
    return cold, statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


PUBLIC_SQL = """
SELECT coalesce(r1.code, r2.code), extract(year FROM d.delivered_on), t.category, count(*)
FROM assistance_delivery d
JOIN assistance_assistancetype t ON t.id = d.assistance_type_id
LEFT JOIN reference_commune c ON c.id = d.commune_id
LEFT JOIN reference_region r1 ON r1.id = c.region_id
JOIN organisations_organisation o ON o.id = d.organisation_id
LEFT JOIN reference_region r2 ON r2.id = o.region_id
GROUP BY 1, 2, 3;
SELECT coalesce(r.code, '?'), extract(year FROM f.first), count(*) FROM (
  SELECT person_id, min(delivered_on) AS first FROM assistance_delivery
  WHERE person_id IS NOT NULL GROUP BY person_id) f
JOIN registry_person p ON p.id = f.person_id LEFT JOIN reference_region r ON r.id = p.region_id
GROUP BY 1, 2;
"""

TABLE_SQL = """
SELECT extract(year FROM d.delivered_on), t.code, t.category, count(*), sum(d.value)
FROM assistance_delivery d JOIN assistance_assistancetype t ON t.id = d.assistance_type_id
WHERE d.programme_id = %(programme)s GROUP BY 1, 2, 3;
SELECT extract(year FROM d.delivered_on), count(DISTINCT d.person_id)
FROM assistance_delivery d WHERE d.programme_id = %(programme)s GROUP BY 1;
SELECT count(DISTINCT d.person_id) FROM assistance_delivery d WHERE d.programme_id = %(programme)s;
"""


def measure() -> list[tuple[str, float, float, float, float]]:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from himaya.monitoring.queries import results_table
    from himaya.organisations.models import Programme

    programme = Programme.objects.get(code="rdpp-maroc")
    client = Client()

    def sql(text: str) -> float:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for statement in filter(str.strip, text.split(";")):
                cursor.execute(statement, {"programme": programme.pk})
                cursor.fetchall()
        return time.perf_counter() - started

    from himaya.monitoring import aggregates, release
    from himaya.reporting.figures import forget_public_figures

    rows = []
    cache.clear()
    if not os.environ.get("BENCH_SKIP_REBUILD"):
        started = time.perf_counter()
        aggregates.refresh()
        rows.append(("rebuild the aggregates", time.perf_counter() - started, 0.0, 0.0, 0.0))
    started = time.perf_counter()
    release.current()
    rows.append(("build the protected release", time.perf_counter() - started, 0.0, 0.0, 0.0))
    # A running server has imported its views and templates: one request to warm those.
    client.get("/no-such-page/", HTTP_HOST="localhost")
    # Cold below: the first request after `himaya refresh-results` (which rebuilds both
    # of the above); nothing of the figures or the indicator table is cached yet.
    plain = sql(PUBLIC_SQL)
    cold, p50, p95 = timed(lambda: client.get("/api/v1/public/figures", HTTP_HOST="localhost"))
    rows.append(("public figures API", cold, p50, p95, plain))
    cold, p50, p95 = timed(lambda: client.get("/data/", HTTP_HOST="localhost"))
    rows.append(("public /data/ page", cold, p50, p95, plain))
    forget_public_figures()
    from himaya.monitoring.queries import forget_actuals

    forget_actuals(programme)
    plain = sql(TABLE_SQL)
    cold, p50, p95 = timed(lambda: results_table(programme, protected=True), repeat=20)
    rows.append(("indicator table, donor view (12 indicators × 4 years)", cold, p50, p95, plain))
    forget_actuals(programme)
    cold, p50, p95 = timed(lambda: results_table(programme, protected=False), repeat=20)
    rows.append(("indicator table, mission view", cold, p50, p95, plain))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--deliveries", type=int, default=10_000_000)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the database a previous --keep run left")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    try:
        if args.reuse:
            connect()
            timings = {}
        else:
            timings = setup(args.people, args.deliveries)
        for label, seconds in timings.items():
            print(f"{label}: {seconds:.1f} s")
        rows = measure()
        print(f"\n{args.people:,} people, {args.deliveries:,} deliveries, PostgreSQL\n")
        print("| what | cold (first count) | warm p50 | warm p95 | plain SQL GROUP BY, same numbers |")
        print("|---|---|---|---|---|")
        load = os.getloadavg()
        cpu = time.process_time()
        print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
              f"CPU time of this process: {cpu:.1f} s")
        print("cold CPU of this process (the rest is PostgreSQL and waiting for a core): "
              + ", ".join(f"{cpu:.2f} s" for cpu in COLD_CPU.values()))
        for label, cold, p50, p95, plain in rows:
            print(f"| {label} | {cold * 1000:,.0f} ms | {p50 * 1000:,.1f} ms | {p95 * 1000:,.1f} ms "
                  f"| {plain * 1000:,.0f} ms |")
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            psql(f"DROP DATABASE IF EXISTS {NAME}")


if __name__ == "__main__":
    main()
