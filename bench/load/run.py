"""A distribution day under load: field agents, vendors and officers at once, through HTTP.

Against PostgreSQL, served by gunicorn (the production server), for a given duration:

- 50 field agents (five associations × 10) look a person up (`POST /api/v1/people/search/`,
  the check-in) and record what they hand out through the offline sync
  (`POST /api/v1/assistance/deliveries/sync/`, one to five deliveries per batch, each
  with its client UUID, hygiene kits drawn from their association's warehouse);
- 20 vendors check a voucher (`POST /api/v1/vouchers/check/`) and redeem part of it
  (`POST /api/v1/vouchers/redeem/`, with an Idempotency-Key);
- 5 officers of the mission (protection, M&E, a programme manager) search people, read
  the programme's results (`GET /api/v1/monitoring/programmes/<id>/results/`) and the
  list of deliveries (`GET /api/v1/assistance/deliveries/`).

Every user has a personal API token and one keep-alive connection, and pauses between
actions (`--think`, the mean of an exponential pause). A request whose connection
fails is sent again with the same client UUIDs or key — what phones and tills do. At
the end the database is read back: every delivery sent is there exactly once (counted
by client UUID), every redemption exactly once (by vendor and Idempotency-Key), and each
voucher's balance is its value less its redemptions.

The data (associations, programme, agreements, people with their consent, stock,
vendors with contracts, vouchers, users and tokens) are made through the services in a
throw-away database (`himaya_bench_load` on BENCH_PG_URL, default
postgres://postgres@127.0.0.1:5432/postgres), dropped at the end.

Usage: python bench/load/run.py [--seconds 300] [--think 1.0] [--workers N] [--threads 2]
                                [--server gunicorn|granian]
Prints a Markdown table (for docs/performance.md, "Mixed load"); exit 1 on any 5xx,
lost or duplicated action.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.vouchers.run import (  # noqa: E402
    PYTHON,
    cpu_seconds,
    django_env,
    free_port,
    percentile,
    pg_url,
    psql,
    server_command,
    server_label,
    server_pids,
    wait_for,
)

DB_NAME = "himaya_bench_load"
PARTNERS, AGENTS_PER_PARTNER, VENDORS, OFFICERS = 5, 10, 20, 5

SETUP = r'''
import datetime as dt, json, sys
from decimal import Decimal
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("load_reference", verbosity=0)
from django.utils import timezone
from himaya.accounts.roles import Role
from himaya.accounts.services import token_create, user_create
from himaya.assistance import stock
from himaya.assistance.models import AssistanceType
from himaya.organisations.services import agreement_create, organisation_create, programme_create
from himaya.reference.models import Currency, Region, ThematicAxis
from himaya.registry.services import person_register
from himaya.registry.validation import person_data_validate
from himaya.vouchers.services import vendor_contract_set, voucher_issue

partners_n, agents_n, vendors_n, people_n, vouchers_n = (int(a) for a in sys.argv[1:6])
today = timezone.localdate()
region = Region.objects.get(code="01")
mission = organisation_create(actor=None, code="load-mission", kind="mission", name_fr="Mission", region=region)
programme = programme_create(
    actor=None, code="load-prog", title_fr="Programme de charge", lead=mission, donors=[],
    start=today - dt.timedelta(days=365), end=today + dt.timedelta(days=365),
    axis=ThematicAxis.objects.order_by("pk").first(), regions=[region])
kit = AssistanceType.objects.get(code="hygiene-kit")
consents = [{"purpose": p, "legal_basis": "consent"} for p in ("registration", "assistance")]
out = {"programme": programme.pk, "partners": [], "vendors": [], "officers": []}

def word(n):
    """A number as letters (names take letters only): 0 → a, 25 → z, 26 → ba…"""
    text = ""
    while True:
        n, r = divmod(n, 26)
        text = chr(97 + r) + text
        if not n:
            return text

def token(username, organisation, role):
    user = user_create(actor=None, username=username, email=f"{username}@load.invalid",
                       organisation=organisation, role=role)
    return token_create(actor=user, name="load").raw

for p in range(partners_n):
    partner = organisation_create(actor=None, code=f"load-asso-{p}", kind="partner",
                                  name_fr=f"Association {p}", region=region)
    agreement_create(actor=None, reference=f"LOAD-{p}", partner=partner, programme=programme, regions=[region],
                     start=programme.start, end=programme.end, budget=Decimal("1000000"),
                     currency=Currency.objects.get(code="MAD"))
    warehouse = stock.warehouse_create(actor=None, organisation=partner, name=f"Dépôt {p}")
    for part in kit.components.all():
        stock.stock_receive(actor=None, warehouse=warehouse, item=part.item, quantity=part.quantity * 100000,
                            on=today)
    people = []
    for i in range(people_n):
        person = person_register(actor=None, organisation=partner, data=person_data_validate({
            "given_name": f"Awa{word(p * 100000 + i)}", "family_name": f"Charge{word(i % 37)}", "sex": "female",
            "birth_year": str(1960 + i % 45), "region": "01", "consents": consents})).person
        people.append([person.code, person.given_name])
    out["partners"].append({
        "people": people,
        "agents": [token(f"load-agent-{p}-{a}", partner, Role.FIELD_AGENT) for a in range(agents_n)],
    })

holder = out["partners"][0]["people"][0][0]
from himaya.registry.models import Person
beneficiary = Person.objects.get(code=holder)
codes = [i.code for i in voucher_issue(
    actor=None, partner=beneficiary.organisation, beneficiaries=[beneficiary] * vouchers_n, category="food",
    value="100000", valid_from=today, valid_until=today + dt.timedelta(days=30))]
for v in range(vendors_n):
    vendor = organisation_create(actor=None, code=f"load-shop-{v}", kind="vendor", name_fr=f"Épicerie {v}",
                                 region=region)
    vendor_contract_set(actor=None, vendor=vendor, categories=["food"])
    out["vendors"].append({"token": token(f"load-vendor-{v}", vendor, Role.VENDOR),
                           "vouchers": codes[v::vendors_n]})
roles = [Role.PROTECTION_OFFICER, Role.PROTECTION_OFFICER, Role.ME_OFFICER, Role.ME_OFFICER,
         Role.PROGRAMME_MANAGER]
for n in range(int(sys.argv[6])):
    out["officers"].append(token(f"load-officer-{n}", mission, roles[n % len(roles)]))
print(json.dumps(out))
'''

VERIFY = r'''
import json, sys, django
django.setup()
from django.db.models import Count, F, Sum
from himaya.assistance.models import Delivery
from himaya.vouchers.models import Redemption, Voucher
sent = json.load(open(sys.argv[1]))
deliveries = sent["deliveries"]
stored = dict(Delivery.objects.filter(client_uuid__in=deliveries).values_list("client_uuid")
              .annotate(n=Count("pk")).values_list("client_uuid", "n"))
stored = {str(k): v for k, v in stored.items()}
keys = sent["redemptions"]
found = dict(Redemption.objects.filter(idempotency_key__in=keys).values_list("idempotency_key")
             .annotate(n=Count("pk")).values_list("idempotency_key", "n"))
balances = Voucher.objects.annotate(taken=Sum("redemptions__amount")).values_list("value", "balance", "taken")
print(json.dumps({
    "deliveries_sent": len(deliveries),
    "deliveries_once": sum(1 for u in deliveries if stored.get(u) == 1),
    "deliveries_missing": sum(1 for u in deliveries if u not in stored),
    "deliveries_twice": sum(1 for n in stored.values() if n > 1),
    "deliveries_total": Delivery.objects.count(),
    "redemptions_sent": len(keys),
    "redemptions_once": sum(1 for k in keys if found.get(k) == 1),
    "redemptions_missing": sum(1 for k in keys if k not in found),
    "redemptions_twice": sum(1 for n in found.values() if n > 1),
    "redemptions_total": Redemption.objects.count(),
    "ledger": all(value - balance == (taken or 0) for value, balance, taken in balances),
}))
'''


# --- The users -----------------------------------------------------------------------------------


class Session:
    """One user's keep-alive connection; every request is timed and recorded by action."""

    def __init__(self, port: int, token: str, record: list[tuple[str, int, float]]) -> None:
        self.port, self.record = port, record
        self.headers = {"Authorization": f"Bearer {token}", "Connection": "keep-alive"}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def send(self, action: str, method: str, path: str, body: object = None,
             headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        data = json.dumps(body) if body is not None else None
        all_headers = {**self.headers, **(headers or {})}
        if data is not None:
            all_headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        for attempt in range(3):
            try:
                self.conn.request(method, path, data, all_headers)
                response = self.conn.getresponse()
                content = response.read()
                break
            except (http.client.HTTPException, OSError):
                # A dropped connection: reconnect and send the same request again (same
                # client UUIDs, same key) — the retry the idempotency is there for.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    self.record.append((action, -1, time.perf_counter() - started))
                    return -1, b""
        self.record.append((action, response.status, time.perf_counter() - started))
        return response.status, content


def agent(session: Session, people: list[list[str]], sent: dict[str, list[str]], rng: random.Random) -> None:
    code, name = rng.choice(people)
    session.send("agent: search a person", "POST", "/api/v1/people/search/", {"q": name})
    batch = [{"uuid": str(uuid.uuid4()), "type": "hygiene-kit", "person": code,
              "delivered_on": time.strftime("%Y-%m-%d"), "site": "Centre"}]
    # Now and then a phone that was offline syncs several at once.
    if rng.random() < 0.2:
        batch += [{**batch[0], "uuid": str(uuid.uuid4()), "person": rng.choice(people)[0]}
                  for _ in range(rng.randint(1, 4))]
    status, content = session.send("agent: sync deliveries", "POST", "/api/v1/assistance/deliveries/sync/",
                                   {"deliveries": batch})
    if status in (200, 207):
        # What the server acknowledged as recorded; an item refused by a rule is not stored.
        for result in json.loads(content)["results"]:
            sent["deliveries" if result["status"] in ("created", "replayed") else "refused"].append(result["uuid"])


def vendor(session: Session, vouchers: list[str], sent: dict[str, list[str]], rng: random.Random) -> None:
    code = rng.choice(vouchers)
    session.send("vendor: check a voucher", "POST", "/api/v1/vouchers/check/", {"code": code})
    key = f"load-{uuid.uuid4()}"
    status, _content = session.send("vendor: redeem", "POST", "/api/v1/vouchers/redeem/",
                                    {"code": code, "amount": "1.50"}, {"Idempotency-Key": key})
    if status in (200, 201):
        sent["redemptions"].append(key)


def officer(session: Session, data: dict, rng: random.Random) -> None:
    choice = rng.random()
    if choice < 0.5:
        name = rng.choice(rng.choice(data["partners"])["people"])[1]
        session.send("officer: search people", "POST", "/api/v1/people/search/", {"q": name})
    elif choice < 0.8:
        session.send("officer: programme results", "GET", f"/api/v1/monitoring/programmes/{data['programme']}/results/")
    else:
        session.send("officer: list deliveries", "GET", "/api/v1/assistance/deliveries/?limit=50")


def _users(port: int, users: list[tuple[str, int]], data: dict, seconds: float, think: float, seed: int,
           out: multiprocessing.Queue) -> None:
    """Run these users (kind, index) as threads until the time is up; report what they did."""
    record: list[tuple[str, int, float]] = []
    sent: dict[str, list[str]] = {"deliveries": [], "refused": [], "redemptions": []}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def run(kind: str, index: int) -> None:
        rng = random.Random(seed * 1000 + index + hash(kind) % 997)
        mine: list[tuple[str, int, float]] = []
        own: dict[str, list[str]] = {"deliveries": [], "refused": [], "redemptions": []}
        if kind == "agent":
            partner = data["partners"][index // AGENTS_PER_PARTNER]
            session = Session(port, partner["agents"][index % AGENTS_PER_PARTNER], mine)
        elif kind == "vendor":
            session = Session(port, data["vendors"][index]["token"], mine)
        else:
            session = Session(port, data["officers"][index], mine)
        time.sleep(rng.random() * think)  # users do not all start at the same instant
        while time.monotonic() < deadline:
            try:
                if kind == "agent":
                    agent(session, partner["people"], own, rng)
                elif kind == "vendor":
                    vendor(session, data["vendors"][index]["vouchers"], own, rng)
                else:
                    officer(session, data, rng)
            except Exception:  # noqa: BLE001 — counted as an error, the user carries on
                mine.append((f"{kind}: client error", -1, 0.0))
            if think:
                time.sleep(rng.expovariate(1 / think))
        with lock:
            record.extend(mine)
            for name, values in own.items():
                sent[name].extend(values)

    threads = [threading.Thread(target=run, args=user) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put((record, sent))


def drive(port: int, data: dict, seconds: float, think: float, processes: int = 4
          ) -> tuple[float, list[tuple[str, int, float]], dict[str, list[str]]]:
    users = ([("agent", i) for i in range(PARTNERS * AGENTS_PER_PARTNER)] + [("vendor", i) for i in range(VENDORS)]
             + [("officer", i) for i in range(OFFICERS)])
    queue: multiprocessing.Queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_users, args=(port, users[n::processes], data, seconds, think, n, queue))
             for n in range(processes)]
    started = time.perf_counter()
    for proc in procs:
        proc.start()
    record: list[tuple[str, int, float]] = []
    sent: dict[str, list[str]] = {"deliveries": [], "refused": [], "redemptions": []}
    for _ in procs:
        part, part_sent = queue.get(timeout=seconds + 900)
        record += part
        for name, values in part_sent.items():
            sent[name] += values
    elapsed = time.perf_counter() - started
    for proc in procs:
        proc.join()
    return elapsed, record, sent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=300, help="how long the day lasts (300 s by default)")
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between a user's actions, seconds")
    parser.add_argument("--people", type=int, default=200, help="people registered per association")
    parser.add_argument("--vouchers", type=int, default=400, help="vouchers the vendors share")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: 2 × cores + 1)")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker")
    parser.add_argument("--server", choices=["gunicorn", "granian"], default="gunicorn")
    parser.add_argument("--worker-class", default="gthread", help="gunicorn's worker class")
    args = parser.parse_args()
    base = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not shutil.which("psql"):
        print("load bench: skipped (psql not installed)")
        return 0
    try:
        psql(base, "SELECT 1")
    except (subprocess.CalledProcessError, FileNotFoundError):
        print(f"load bench: skipped (no PostgreSQL at {base})")
        return 0
    cores = os.cpu_count() or 1
    workers = args.workers or 2 * cores + 1
    db_url = pg_url(base, DB_NAME)
    var_dir = tempfile.mkdtemp(prefix="hvar-bench-load-")
    env = django_env(db_url, var_dir)
    psql(base, f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    psql(base, f"CREATE DATABASE {DB_NAME}")
    server = None
    try:
        print(f"load bench: {cores} cores, PostgreSQL database {DB_NAME}; preparing data…", flush=True)
        started = time.perf_counter()
        data = json.loads(subprocess.run(
            [PYTHON, "-c", SETUP, str(PARTNERS), str(AGENTS_PER_PARTNER), str(VENDORS), str(args.people),
             str(args.vouchers), str(OFFICERS)],
            env=env, check=True, stdout=subprocess.PIPE, text=True).stdout.strip().splitlines()[-1])
        print(f"  data ready in {time.perf_counter() - started:.0f} s", flush=True)
        port = free_port()
        server = subprocess.Popen(server_command(args, workers, port), env=env, cwd=ROOT, start_new_session=True)
        wait_for(port)
        drive(port, data, min(5.0, args.seconds), 0.5)  # warm-up: every worker loads its code
        web, backends = server_pids(server.pid, base, DB_NAME)
        web_before, db_before = cpu_seconds(web), cpu_seconds(backends)
        load_before = os.getloadavg()[0]
        elapsed, record, sent = drive(port, data, args.seconds, args.think)
        late = [p for p in server_pids(server.pid, base, DB_NAME)[1] if p not in backends]
        web_cpu = cpu_seconds(web) - web_before
        db_cpu = cpu_seconds(backends) - db_before + cpu_seconds(late)
        load_after = os.getloadavg()[0]
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump(sent, handle)
        verify = json.loads(subprocess.run([PYTHON, "-c", VERIFY, handle.name], env=env, check=True,
                                           capture_output=True, text=True).stdout.strip().splitlines()[-1])
        os.unlink(handle.name)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        psql(base, f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        shutil.rmtree(var_dir, ignore_errors=True)

    actions: dict[str, list[tuple[int, float]]] = {}
    for action, status, latency in record:
        actions.setdefault(action, []).append((status, latency))
    total = len(record)
    server_errors = sum(1 for _a, status, _l in record if status >= 500 or status < 0)
    print()
    print(f"Mixed load — {PARTNERS * AGENTS_PER_PARTNER} field agents, {VENDORS} vendors, {OFFICERS} officers; "
          f"{args.seconds:.0f} s, mean pause {args.think} s; {cores} cores, PostgreSQL, {server_label(args, workers)}; "
          f"load average {load_before:.1f} → {load_after:.1f}")
    print()
    print("| action | requests | per second | p50 | p99 | answers |")
    print("|---|---|---|---|---|---|")
    for action in sorted(actions):
        rows = actions[action]
        ok = [lat for status, lat in rows if 0 < status < 500]
        statuses: dict[int, int] = {}
        for status, _lat in rows:
            statuses[status] = statuses.get(status, 0) + 1
        p50 = f"{percentile(ok, 0.5) * 1000:.0f} ms" if ok else "–"
        p99 = f"{percentile(ok, 0.99) * 1000:.0f} ms" if ok else "–"
        answers = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
        print(f"| {action} | {len(rows)} | {len(rows) / elapsed:.1f} | {p50} | {p99} | {answers} |")
    print(f"| **all** | {total} | {total / elapsed:.1f} | | | 5xx or no answer: **{server_errors}** |")
    print()
    print("| check | value |")
    print("|---|---|")
    per = (web_cpu + db_cpu) / max(1, total) * 1000
    print(f"| server CPU per request (web server + PostgreSQL backends) | {per:.2f} ms "
          f"({web_cpu / max(1, total) * 1000:.2f} + {db_cpu / max(1, total) * 1000:.2f}) |")
    print(f"| deliveries acknowledged / stored exactly once / missing / twice | {verify['deliveries_sent']} / "
          f"{verify['deliveries_once']} / {verify['deliveries_missing']} / {verify['deliveries_twice']} |")
    print(f"| deliveries refused by a rule (not stored, as answered) | {len(sent['refused'])} |")
    print(f"| redemptions acknowledged / stored exactly once / missing / twice | {verify['redemptions_sent']} / "
          f"{verify['redemptions_once']} / {verify['redemptions_missing']} / {verify['redemptions_twice']} |")
    print(f"| every voucher's balance = value − its redemptions | {verify['ledger']} |")
    good = (server_errors == 0 and verify["ledger"]
            and verify["deliveries_once"] == verify["deliveries_sent"]
            and verify["redemptions_once"] == verify["redemptions_sent"])
    print(f"| verdict | {'every action recorded exactly once, no 5xx' if good else '**FAILED**'} |")
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
