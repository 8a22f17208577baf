"""Benchmark: search as you type on a registry of 1,000,000 people (PostgreSQL).

    .venv/bin/python bench/registry_search.py [--people 1000000] [--queries 300] [--keep] [--reuse]

Creates its own database (`himaya_bench_search` on the local server, dropped at the
end unless --keep; --reuse searches a kept one again without loading), migrates it
and loads the people through the registry's own code: each person is built as the
registry builds it (`services._apply`: sealed names, phone and birth date, keyed
phone and name hashes) and gets the search keys of `blind_index.name_search_digests`,
under the keys of a key file made for the run. Only the writing is bulk: rows go in
with COPY, with the secondary indexes built once at the end (as a restore would), so
that the load takes minutes instead of hours. Names come from the demo's pools (West
and Central Africa, the Maghreb, the Middle East; some in Arabic script), with the
spelling variants clerks write.

Then it times `queries.people_search(user, text)`, the function the search page calls
on each keystroke (query, decryption of the candidates, ranking), for a partner
coordinator (one association's caseload) and for a programme manager (everyone): by
name as typed (two letters and more, misspelt, several words, Arabic script), by
code and by phone. p50/p95/p99 are printed beside the 100 ms limit and beside a
plain indexed SQL look-up of the same keys (the floor any search through blind
indexes has). The query plans of the name search are printed, to show the indexes
used. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
LIMIT_MS = 100.0
SERVER = "postgres://postgres@127.0.0.1:5432"
CHUNK = 20_000
# The spellings clerks write for one name (what the search must tolerate).
VARIANTS = {
    "Ousmane": ["Osman", "Usman", "Ousman"], "Mohamed": ["Mohammed", "Muhammad", "Mohamad"],
    "Diallo": ["Djalo", "Jallow", "Dialo"], "Cherif": ["Chérif", "Sharif", "Shérif"],
    "Ndiaye": ["N'Diaye", "Njaye"], "Youssef": ["Yousef", "Yusuf", "Youcef"],
    "Aminata": ["Aminatou"], "Fatoumata": ["Fatimata"], "Traoré": ["Traore", "Taore"],
    "Khadija": ["Khadidja", "Kadija"], "Ibrahima": ["Ibrahim"], "Coulibaly": ["Kulibali", "Koulibaly"],
}


def _setup(database: str, var_dir: Path) -> None:
    os.environ["DATABASE_URL"] = f"{SERVER}/{database}"
    os.environ["HIMAYA_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("HIMAYA_ENV", "development")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "himaya.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER.replace('postgres://', 'postgresql://')}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- loading ----------------------------------------------------------------------------

def _secondary_indexes(cursor: Any, tables: list[str]) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Unique and foreign-key constraints (table, name, definition) and plain indexes (CREATE …)."""
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('u', 'f')", [tables])
    constraints = cursor.fetchall()
    names = {c[1] for c in constraints}
    cursor.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) "
        "AND i.indexname NOT LIKE '%%_pkey'", [tables])
    indexes = [definition for name, definition in cursor.fetchall() if name not in names]
    return constraints, indexes


def load(people: int, seed: int = 20261129) -> dict[str, Any]:
    """Write `people` people with their search keys; returns timings."""
    from django.db import connection

    from himaya.organisations.models import Organisation
    from himaya.reference.models import Country, Province
    from himaya.registry import blind_index, codes, encryption
    from himaya.registry.fields import EncryptedTextField
    from himaya.registry.models import Person, SearchKey, Sex
    from himaya.registry.services import _apply
    from himaya.registry.validation import PersonData
    from himaya.scenario.people import ARABIC, ORIGINS

    rng = random.Random(seed)
    ring = encryption.keyring()
    partners = list(Organisation.objects.filter(kind=Organisation.Kind.PARTNER).order_by("pk"))
    countries = {c.alpha2: c for c in Country.objects.all()}
    provinces: dict[int, list[Province]] = {}
    for province in Province.objects.select_related("region"):
        provinces.setdefault(province.region_id, []).append(province)
    weighted = [o for o in ORIGINS for _ in range(o.weight)]
    fields = [f for f in Person._meta.concrete_fields]
    columns = [f.column for f in fields]
    started, started_cpu = time.perf_counter(), cpu()
    epoch = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
    seconds_per_person = 4 * 365 * 86400 / people  # four years of registrations
    seen_codes: set[str] = set()

    def name(pool: tuple[str, ...], arabic: bool) -> str:
        chosen = rng.choice(pool)
        if arabic and chosen in ARABIC:
            return ARABIC[chosen]
        if chosen in VARIANTS and rng.random() < 0.3:
            return rng.choice(VARIANTS[chosen])
        return chosen

    raw = connection.connection
    with connection.cursor() as cursor:
        constraints, indexes = _secondary_indexes(cursor, ["registry_person", "registry_searchkey"])
        # Secondary indexes and checks are built once at the end, as pg_restore does.
        for table, constraint, _definition in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"')
        for definition in indexes:
            index = definition.split(" INDEX ", 1)[1].split(" ON ", 1)[0]
            cursor.execute(f"DROP INDEX {index}")
    keys_written = 0
    for start in range(0, people, CHUNK):
        person_rows, key_rows = [], []
        for pk in range(start + 1, min(people, start + CHUNK) + 1):
            origin = rng.choice(weighted)
            partner = partners[pk % len(partners)]
            arabic = rng.random() < origin.arabic_script
            sex = Sex.FEMALE if rng.random() < 0.45 else Sex.MALE
            given = name(origin.female if sex == Sex.FEMALE else origin.male, arabic)
            if rng.random() < 0.15:  # a second given name (Mamadou Lamine, Fatima Zahra)
                given += " " + name(origin.male if sex == Sex.MALE else origin.female, arabic)
            year = rng.randint(1960, 2022)
            data = PersonData(
                given_name=given, family_name=name(origin.family, arabic), sex=sex,
                birth_precision="year", birth_year=year,
                nationality=countries.get(rng.choice(origin.countries)), region=partner.region,
                province=rng.choice(provinces.get(partner.region_id, [None])),
                phone=f"+2126{rng.randrange(10**8):08d}" if rng.random() < 0.75 else "",
            )
            code = codes.new_code(rng)
            while code in seen_codes:
                code = codes.new_code(rng)
            seen_codes.add(code)
            person = Person(pk=pk, code=code, organisation=partner, version=1)
            _apply(person, data, ring.index_key)
            person.registered_at = person.updated_at = epoch + dt.timedelta(seconds=pk * seconds_per_person)
            row = []
            for f in fields:
                value = getattr(person, f.attname)
                if isinstance(f, EncryptedTextField) and value:
                    value = encryption.encrypt(value, context=f.encryption_context, ring=ring)
                row.append(value)
            person_rows.append(row)
            for digest in sorted(blind_index.name_search_digests(
                    [person.given_name, person.family_name, person.other_names], ring.index_key)):
                keys_written += 1
                key_rows.append((keys_written, pk, digest))
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY registry_person ({', '.join(columns)}) FROM STDIN") as copy:
                for row in person_rows:
                    copy.write_row(row)
            with cursor.copy("COPY registry_searchkey (id, person_id, digest) FROM STDIN") as copy:
                for row in key_rows:
                    copy.write_row(row)
        raw.commit()
        print(f"  {min(people, start + CHUNK):,} people, {keys_written:,} search keys "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
    loaded, loaded_cpu = time.perf_counter(), cpu()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for definition in indexes:
            cursor.execute(definition)
        for table, constraint, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{constraint}" {definition}')
        for table in ("registry_person", "registry_searchkey"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            cursor.execute(f"VACUUM ANALYZE {table}")
    assert SearchKey.objects.count() == keys_written
    return {"people": people, "keys": keys_written, "load_s": loaded - started, "load_cpu": loaded_cpu - started_cpu,
            "index_s": time.perf_counter() - loaded}


# --- searching --------------------------------------------------------------------------

def _queries(rng: random.Random, count: int, owner_id: int | None) -> dict[str, list[str]]:
    """What people type: names (prefixes, misspellings, two words, Arabic), codes, phones."""
    from himaya.registry import codes
    from himaya.registry.models import Person

    visible = Person.objects.all() if owner_id is None else Person.objects.filter(organisation_id=owner_id)
    top = visible.order_by("-pk").values_list("pk", flat=True)[:1][0]
    sample = []
    while len(sample) < count:
        found = visible.filter(pk__lte=rng.randint(1, top)).order_by("-pk").first()
        if found is not None:
            sample.append(found)
    names, by_code, by_phone = [], [], []
    for person in sample:
        given, family = person.given_name.split()[0], person.family_name
        form = rng.random()
        if form < 0.2:
            names.append(given[: rng.randint(2, 4)])  # the first keystrokes
        elif form < 0.45:
            names.append(f"{given} {family[: rng.randint(1, len(family))]}")
        elif form < 0.6:
            names.append(rng.choice(VARIANTS.get(family, [family])))  # another spelling
        elif form < 0.75:
            names.append(f"{family} {given}")
        else:
            names.append(given if rng.random() < 0.5 else family)
        shown = codes.display(person.code)
        by_code.append(shown if rng.random() < 0.5 else shown.replace("-", "")[: rng.randint(4, 8)].lower())
        if person.phone:
            local = "0" + person.phone[4:]
            by_phone.append(rng.choice([person.phone, local, f"{local[:2]} {local[2:4]} {local[4:6]} "
                                        f"{local[6:8]} {local[8:]}", "00" + person.phone[1:]]))
    # Arabic script as typed on a phone keyboard.
    names[:: max(1, count // 20)] = [rng.choice(["محمد", "فاطمة", "عثمان", "مريم", "يوسف", "محمد الحسن"])
                                     for _ in names[:: max(1, count // 20)]]
    return {"name": names, "code": by_code, "phone": by_phone}


def _percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return statistics.median(ordered), pick(0.95), pick(0.99)


def _peer(kind: str, text: str, owner_id: int | None) -> Any:
    """The same keys looked up with one plain indexed SQL query (no scope join, no decryption)."""
    from django.db import connection

    from himaya.registry import blind_index, codes, encryption

    key = encryption.keyring().index_key
    with connection.cursor() as cursor:
        if kind == "code":
            cursor.execute("SELECT id FROM registry_person WHERE code LIKE %s LIMIT 50",
                           [codes.normalise(text) + "%"])
        elif kind == "phone":
            cursor.execute("SELECT id FROM registry_person WHERE phone_index = %s LIMIT 50",
                           [blind_index.exact_digest("phone", blind_index.normalise_phone(text), key)])
        else:
            token = blind_index.tokens(text)[0]
            cursor.execute("SELECT person_id FROM registry_searchkey WHERE digest = ANY(%s) LIMIT 50",
                           [list(blind_index.query_digests(token, key))])
        return cursor.fetchall()


def _backend_cpu(pid: int) -> float:
    """CPU seconds used so far by the PostgreSQL process serving us (same machine; nanoseconds)."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9


def search(count: int, seed: int = 7) -> list[dict[str, Any]]:
    from django.db import connection, reset_queries

    from himaya.accounts.models import Membership
    from himaya.registry import queries

    rng = random.Random(seed)
    results = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
        # One process per search, so that its CPU is the backend's alone: parallel workers
        # would hide theirs (and on two cores, one search taking three is not what we want).
        cursor.execute("SET max_parallel_workers_per_gather = 0")
    for membership in Membership.objects.select_related("user", "organisation").order_by("pk"):
        user = membership.user
        owner = membership.organisation_id if membership.organisation.kind == "partner" else None
        typed = _queries(rng, count, owner)
        for kind, texts in typed.items():
            for text in texts[:10]:  # warm the caches as a day's use would
                queries.people_search(user, text)
            times, cpu_times, peer_times, shown = [], [], [], []
            for text in texts:
                begin, begin_cpu, begin_server = time.perf_counter(), time.process_time(), _backend_cpu(backend)
                found = queries.people_search(user, text)
                times.append((time.perf_counter() - begin) * 1000)
                # This process and the database server's: what the search costs on an idle machine.
                cpu_times.append((time.process_time() - begin_cpu + _backend_cpu(backend) - begin_server) * 1000)
                shown.append(len(found))
                begin = time.perf_counter()
                _peer(kind, text, owner)
                peer_times.append((time.perf_counter() - begin) * 1000)
                reset_queries()
            results.append({"user": membership.get_role_display(), "kind": kind, "n": len(texts),
                            "p": _percentiles(times), "cpu": _percentiles(cpu_times),
                            "peer": _percentiles(peer_times),
                            "found": statistics.mean(shown), "load": os.getloadavg()[0]})
        visible = queries.people_listed_to(user)  # what people_search filters
        for text in ("Mamadou Dia", "Tesfay"):
            by_name = queries._search_parts(visible, text)[2]
            sql, params = visible.filter(by_name).order_by("-pk").values_list("pk")[:200].query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS OFF) {sql}", params)
                print(f"\nplan of the name step, {membership.get_role_display()}, {text!r}:")
                print("\n".join("    " + line for (line,) in cursor.fetchall()))
    return results


def _world() -> None:
    from himaya.accounts.models import Membership, User
    from himaya.accounts.roles import Role
    from himaya.organisations.models import Organisation
    from himaya.reference.loading import load_reference
    from himaya.reference.models import Region

    load_reference()
    regions = list(Region.objects.order_by("code"))
    mission = Organisation.objects.create(code="mission", name_fr="Mission", kind=Organisation.Kind.MISSION)
    partners = [Organisation.objects.create(code=f"asso-{n:02d}", name_fr=f"Association {n}",
                                            kind=Organisation.Kind.PARTNER, region=regions[n % 7])
                for n in range(15)]
    for username, organisation, role in (("coordinator", partners[0], Role.PARTNER_COORDINATOR),
                                         ("manager", mission, Role.PROGRAMME_MANAGER)):
        user = User.objects.create(username=username)
        Membership.objects.create(user=user, organisation=organisation, role=role)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--database", default="himaya_bench_search")
    parser.add_argument("--keep", action="store_true", help="keep the database (and its key file)")
    parser.add_argument("--reuse", action="store_true", help="search a database kept by an earlier run")
    args = parser.parse_args()
    var_dir = Path(tempfile.gettempdir()) / f"{args.database}-var"
    if not args.reuse:
        _admin(f'DROP DATABASE IF EXISTS "{args.database}"')
        _admin(f'CREATE DATABASE "{args.database}"')
        var_dir.mkdir(exist_ok=True)
        (var_dir / "keys.json").unlink(missing_ok=True)
    _setup(args.database, var_dir)
    try:
        if not args.reuse:
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
            _world()
            figures = load(args.people)
            print(f"loaded {figures['people']:,} people and {figures['keys']:,} search keys in "
                  f"{figures['load_s']:.0f} s (CPU {figures['load_cpu']:.0f} s), indexes built in "
                  f"{figures['index_s']:.0f} s; load average {os.getloadavg()[0]:.1f}")
        results = search(args.queries)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            _admin(f'DROP DATABASE IF EXISTS "{args.database}"')
    print(f"\nmachine: {os.cpu_count()} CPUs; load average {os.getloadavg()}")
    print("| who | search by | queries | wall p50 / p95 / p99 | CPU (app + database) p50 / p95 / p99 | limit "
          "| peer: one indexed SQL look-up, wall p50 / p95 / p99 | people shown (mean) | load |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        wall = " / ".join(f"{v:.0f}" for v in r["p"])
        spent = " / ".join(f"{v:.0f}" for v in r["cpu"])
        peer = " / ".join(f"{v:.1f}" for v in r["peer"])
        print(f"| {r['user']} | {r['kind']} | {r['n']} | {wall} ms | {spent} ms | {LIMIT_MS:.0f} ms | {peer} ms "
              f"| {r['found']:.1f} | {r['load']:.1f} |")


if __name__ == "__main__":
    main()
