"""Benchmark: the registration-time duplicate check on a registry of 100,000 people.

    .venv/bin/python -m bench.dedup.registration_check [--db sqlite|postgres] [--queries 300]
        [--records var/bench/dedup/n100000-seed2/records.csv] [--keep] [--reuse DIR]

Loads the dedup benchmark's synthetic registrations (`bench/dedup/generate.py`, with
transliteration variants, swapped names, birth years, phone formats, shared family
phones...) into a fresh database of its own (a SQLite file in a temporary folder, or
the PostgreSQL database `himaya_bench_regcheck`), as the registry stores them: names,
phone, exact birth date and document numbers sealed, keyed hashes of the phone, the
folded name and the documents, and the search keys of `blind_index.name_search_digests`.
Only the writing is bulk (`bulk_create`).

Then, for records that have a duplicate elsewhere in the registry (and some that have
none), it calls `dedup.registration.registration_check(user, typed)` — what the
registration form and API call on each change — as the coordinator of the record's
partner, and prints p50/p95/p99 beside the 300 ms limit, the time spent waiting on
SQL, this process's CPU time, the load average, how many candidates were scored, and how often the true duplicate was shown
(in the user's scope) or flagged (in another partner's). The record itself is in the
registry too (the registry holds exactly the file), so it is left out when counting.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
LIMIT_MS = 300.0
SERVER = "postgres://postgres@127.0.0.1:5432"
DEFAULT_RECORDS = REPO / "var" / "bench" / "dedup" / "n100000-seed2" / "records.csv"


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _setup(db: str, var_dir: Path, database: str) -> None:
    os.environ["HIMAYA_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("HIMAYA_ENV", "development")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "himaya.settings")
    if db == "postgres":
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}"')
            conn.execute(f'CREATE DATABASE "{database}"')
        os.environ["DATABASE_URL"] = f"{SERVER}/{database}"
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = str(var_dir / "bench.sqlite3")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


def _world(partners: list[str]) -> dict[str, Any]:
    from himaya.accounts.models import Membership, User
    from himaya.accounts.roles import Role
    from himaya.organisations.models import Organisation
    from himaya.reference.loading import load_reference
    from himaya.reference.models import Region

    load_reference()
    regions = list(Region.objects.order_by("code"))
    users = {}
    for n, code in enumerate(partners):
        org = Organisation.objects.create(code=f"bench-{code.lower()}", name_fr=f"Association {code}",
                                          kind=Organisation.Kind.PARTNER,
                                          region=regions[n % len(regions)])
        user = User.objects.create(username=f"coord-{code.lower()}")
        Membership.objects.create(user=user, organisation=org, role=Role.PARTNER_COORDINATOR)
        users[code] = (org, user)
    return users


def load(rows: list[dict[str, str]], users: dict[str, Any]) -> tuple[dict[str, int], float, float]:
    """Write every row as a person; returns record id → person id and the wall/CPU seconds."""
    from django.db import transaction

    from himaya.reference.models import Country, Region
    from himaya.registry import blind_index, codes, encryption
    from himaya.registry.models import Person, PersonDocument, SearchKey
    from himaya.registry.services import name_index_of

    ring = encryption.keyring()
    countries = {c.alpha3: c.pk for c in Country.objects.all()}
    regions = {r.code: r.pk for r in Region.objects.all()}
    started, started_cpu = time.perf_counter(), cpu()
    ids: dict[str, int] = {}
    seen: set[str] = set()
    import random

    rng = random.Random(7)
    chunk = 5_000
    for start in range(0, len(rows), chunk):
        people, documents, keys = [], [], []
        for offset, row in enumerate(rows[start:start + chunk]):
            pk = start + offset + 1
            code = codes.new_code(rng)
            while code in seen:
                code = codes.new_code(rng)
            seen.add(code)
            birth = row["birth_date"]
            phone = blind_index.normalise_phone(row["phone"]) if row["phone"] else ""
            person = Person(
                pk=pk, code=code, organisation_id=users[row["partner"]][0].pk,
                given_name=row["given_name"], family_name=row["family_name"],
                sex={"F": "female", "M": "male"}.get(row["sex"], "not_stated"),
                birth_precision="exact" if len(birth) == 10 else ("year" if birth else "unknown"),
                birth_date=birth if len(birth) == 10 else "",
                birth_year=int(birth[:4]) if birth else None,
                nationality_id=countries.get(row["nationality"]), region_id=regions.get(row["region"]),
                phone=phone, phone_index=blind_index.exact_digest("phone", phone, ring.index_key),
                name_index=name_index_of(row["given_name"], row["family_name"]),
            )
            people.append(person)
            ids[row["record_id"]] = pk
            if row["document_number"]:
                number = "".join(row["document_number"].split()).upper()
                documents.append(PersonDocument(
                    person_id=pk, kind="passport", number=number,
                    number_index=blind_index.exact_digest("document", number, ring.index_key)))
            keys += [SearchKey(person_id=pk, digest=d) for d in sorted(
                blind_index.name_search_digests([row["given_name"], row["family_name"]], ring.index_key))]
        with transaction.atomic():
            Person.objects.bulk_create(people, batch_size=1000)
            PersonDocument.objects.bulk_create(documents, batch_size=1000)
            SearchKey.objects.bulk_create(keys, batch_size=5000)
        print(f"  {start + len(people):,} people ({time.perf_counter() - started:.0f} s)", flush=True)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("registry_person", "registry_searchkey", "registry_persondocument"):
                cursor.execute(f"VACUUM ANALYZE {table}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return ids, time.perf_counter() - started, cpu() - started_cpu


def _percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return statistics.median(ordered), pick(0.95), pick(0.99)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--records", type=Path, default=DEFAULT_RECORDS)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--database", default="himaya_bench_regcheck")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", type=Path,
                        help="the folder of an earlier run (its key file; and its SQLite file, or the "
                             "PostgreSQL database kept with --keep), to check again without loading")
    args = parser.parse_args()
    if not args.records.exists():
        sys.exit(f"{args.records}: generate it first with "
                 "python -m bench.dedup.generate --records 100000 --seed 2 --out DIR")
    with args.records.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    truth_path = args.records.with_name("truth.csv")
    with truth_path.open(encoding="utf-8") as handle:
        entity = {r["record_id"]: r["entity_id"] for r in csv.DictReader(handle)}
    by_entity: dict[str, list[str]] = defaultdict(list)
    for record_id, entity_id in entity.items():
        by_entity[entity_id].append(record_id)

    if args.reuse:
        var_dir = args.reuse
        os.environ["HIMAYA_VAR_DIR"] = str(var_dir)  # its key file
        if args.db == "postgres":
            os.environ["DATABASE_URL"] = f"{SERVER}/{args.database}"
        else:
            os.environ["SQLITE_PATH"] = str(var_dir / "bench.sqlite3")
            os.environ.pop("DATABASE_URL", None)
        os.environ.setdefault("HIMAYA_ENV", "development")
        os.environ.setdefault("DEBUG", "false")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "himaya.settings")
        import django

        django.setup()
        from himaya.accounts.models import User

        users = {}
        for user in User.objects.filter(username__startswith="coord-").select_related("membership"):
            users[user.username.removeprefix("coord-").upper()] = (user.membership.organisation, user)
        ids = {r["record_id"]: n + 1 for n, r in enumerate(rows)}  # as `load` numbers them
        print(f"reusing {var_dir}")
    else:
        var_dir = Path(tempfile.mkdtemp(prefix="himaya-regcheck-"))
        _setup(args.db, var_dir, args.database)
        from django.core.management import call_command

        began = time.perf_counter()
        call_command("migrate", verbosity=0)
        users = _world(sorted({r["partner"] for r in rows}))
        print(f"migrated in {time.perf_counter() - began:.0f} s; loading {len(rows):,} people ({args.db})")
        ids, load_s, load_cpu = load(rows, users)
        print(f"loaded in {load_s:.0f} s ({load_cpu:.0f} s CPU), in {var_dir}")

    from himaya.dedup.registration import registration_check

    with_duplicate = [r for r in rows if len(by_entity[entity[r["record_id"]]]) > 1]
    alone = [r for r in rows if len(by_entity[entity[r["record_id"]]]) == 1]
    step_d = max(1, len(with_duplicate) // int(args.queries * 0.8))
    step_a = max(1, len(alone) // max(1, args.queries - int(args.queries * 0.8)))
    queries = (with_duplicate[::step_d][: int(args.queries * 0.8)]
               + alone[::step_a][: args.queries - int(args.queries * 0.8)])

    def typed(row: dict[str, str]) -> dict[str, Any]:
        birth = row["birth_date"]
        return {"given_name": row["given_name"], "family_name": row["family_name"],
                "sex": {"F": "female", "M": "male"}.get(row["sex"], ""),
                "birth_date": birth if len(birth) == 10 else "",
                "birth_year": birth[:4], "nationality": row["nationality"], "region": row["region"],
                "phone": row["phone"], "documents": [{"number": row["document_number"]}]
                if row["document_number"] else []}

    registration_check(users[queries[0]["partner"]][1], typed(queries[0]))  # warm: model, DuckDB
    from django.db import connection

    in_db = [0.0]

    def timed(execute, sql, params, many, context):  # noqa: ANN001, ANN202
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            in_db[0] += time.perf_counter() - began

    times, candidates, db_times = [], [], []
    shown = flagged = missed = false_shown = 0
    started_cpu = cpu()
    for row in queries:
        user = users[row["partner"]][1]
        in_db[0] = 0.0
        began = time.perf_counter()
        with connection.execute_wrapper(timed):
            result = registration_check(user, typed(row))
        times.append((time.perf_counter() - began) * 1000)
        db_times.append(in_db[0] * 1000)
        candidates.append(result.candidates)
        own = ids[row["record_id"]]
        others = {ids[r] for r in by_entity[entity[row["record_id"]]] if r != row["record_id"]}
        seen_pks = {m.person.pk for m in result.matches if m.person.pk != own}
        elsewhere = {p.pk for p, _w in result.elsewhere_people}
        if others:
            if seen_pks & others:
                shown += 1
            elif elsewhere & others:
                flagged += 1
            else:
                missed += 1
        false_shown += len(seen_pks - others)
    check_cpu = cpu() - started_cpu
    p50, p95, p99 = _percentiles(times)
    dup = len([r for r in queries if len(by_entity[entity[r["record_id"]]]) > 1])
    print()
    d50, d95, _d99 = _percentiles(db_times)
    print("| database | people | checks | p50 | p95 | p99 | limit | of which in SQL (p50 / p95) "
          "| Himaya CPU per check | candidates scored (mean) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {args.db} | {len(rows):,} | {len(queries)} | {p50:.1f} ms | {p95:.1f} ms | {p99:.1f} ms "
          f"| {LIMIT_MS:.0f} ms | {d50:.1f} / {d95:.1f} ms | {check_cpu / len(queries) * 1000:.1f} ms "
          f"| {statistics.mean(candidates):.1f} |")
    print()
    print(f"of {dup} records with a duplicate registered: shown {shown} ({shown / dup:.0%}), "
          f"flagged in another caseload {flagged} ({flagged / dup:.0%}), missed {missed}; "
          f"other people shown: {false_shown / len(queries):.2f} per check")
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}; "
          f"{os.cpu_count()} CPUs")
    if args.db == "postgres" and not args.keep and not args.reuse:
        from django.db import connections

        connections.close_all()
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{args.database}"')


if __name__ == "__main__":
    main()
