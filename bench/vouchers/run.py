"""Voucher redemptions through the HTTP API, 16 concurrent clients, gunicorn on PostgreSQL.

What it does, in one run:
1. creates a throw-away database (`himaya_bench_vouchers`) on the PostgreSQL server of
   BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres), migrates it, and
   issues vouchers to one person of one association through the services;
2. measures what `pgbench` (TPC-B-like, same server, same client count) does, as the
   database's own ceiling on this machine;
3. starts the web server (gunicorn, or granian with --server granian) on 127.0.0.1 and
   sends, from 16 keep-alive connections (one light client process, its CPU measured),
   partial redemptions with an Idempotency-Key through `POST /api/v1/vouchers/redeem/`
   with vendors' personal tokens: throughput, p50/p99 latency, server and client CPU;
4. races: 10,000 attempts to spend 1,000 vouchers in full, ten attempts per voucher from
   different clients at once; counts successes per voucher (must be exactly one) and
   checks the ledger (sum of redemptions = face value, no balance below zero);
5. drops the database and stops the server.

Usage: python bench/vouchers/run.py [--server granian --workers 2 --threads 2] [--requests 16000]
       [--seconds-pgbench 10]
Prints a Markdown table (pasted into docs/performance.md). Exit 1 on any double spend.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
DB_NAME = "himaya_bench_vouchers"
CLIENTS = 16


def pg_url(base: str, name: str) -> str:
    parsed = urlparse(base)
    return parsed._replace(path=f"/{name}").geturl()


def psql(base: str, sql: str) -> None:
    env = {**os.environ, "PGOPTIONS": "-c client_min_messages=warning"}
    subprocess.run(["psql", base, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True,
                   stdout=subprocess.DEVNULL, env=env)


def django_env(db_url: str, var_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": db_url, "HIMAYA_VAR_DIR": var_dir, "HIMAYA_ENV": "development",
        "DEBUG": "false", "LOG_LEVEL": "ERROR", "DJANGO_SETTINGS_MODULE": "himaya.settings",
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
    })
    return env


# --- Data, made through the application's services (runs inside Django) -------------------

SETUP = r'''
import json, sys, datetime as dt
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("load_reference", verbosity=0)
from django.utils import timezone
from himaya.accounts.roles import Role
from himaya.accounts.services import token_create, user_create
from himaya.organisations.services import organisation_create
from himaya.reference.models import Region
from himaya.registry.services import person_register
from himaya.registry.validation import person_data_validate
from himaya.vouchers.services import vendor_contract_set, voucher_issue

throughput, races = int(sys.argv[1]), int(sys.argv[2])
region = Region.objects.get(code="01")
partner = organisation_create(actor=None, code="bench-asso", kind="partner", name_fr="Association banc", region=region)
consents = [{"purpose": p, "legal_basis": "consent"} for p in ("registration", "assistance")]
person = person_register(actor=None, organisation=partner, data=person_data_validate({
    "given_name": "Awa", "family_name": "Banc", "sex": "female", "birth_year": "1990",
    "region": "01", "consents": consents})).person
tokens = []
for n in range(16):
    vendor = organisation_create(actor=None, code=f"bench-shop-{n}", kind="vendor", name_fr=f"Épicerie {n}", region=region)
    vendor_contract_set(actor=None, vendor=vendor, categories=["food"])
    user = user_create(actor=None, username=f"bench-vendor-{n}", email=f"v{n}@bench.invalid",
                       organisation=vendor, role=Role.VENDOR)
    tokens.append(token_create(actor=user, name="bench").raw)
today = timezone.localdate()

def issue(count, value):
    out = []
    while len(out) < count:
        chunk = voucher_issue(actor=None, partner=partner, beneficiaries=[person] * min(5000, count - len(out)),
                              category="food", value=value, valid_from=today,
                              valid_until=today + dt.timedelta(days=30))
        out += [i.code for i in chunk]
    return out

print(json.dumps({"tokens": tokens, "pool": issue(throughput, "1000"), "race": issue(races, "100")}))
'''

VERIFY = r'''
import json, django
django.setup()
from django.db.models import Count, Sum
from himaya.vouchers.models import Voucher, Redemption
race = Voucher.objects.filter(value=100)
per = race.annotate(n=Count("redemptions"), taken=Sum("redemptions__amount"))
print(json.dumps({
    "vouchers": race.count(),
    "spent_once": per.filter(n=1).count(),
    "double_spent": per.filter(n__gt=1).count(),
    "ledger_mismatch": per.exclude(taken=100).count(),
    "negative": Voucher.objects.filter(balance__lt=0).count(),
    "pool_consistent": all(1000 - balance == (taken or 0) for balance, taken in
        Voucher.objects.filter(value=1000).annotate(t=Sum("redemptions__amount")).values_list("balance", "t")),
}))
'''


# --- Load generator ------------------------------------------------------------------------
#
# Sixteen keep-alive connections driven from one process by a selector loop, each request's
# bytes built before the clock starts: the clients share the server's cores on a one-machine
# run, so they must cost as little CPU as possible (their CPU per request is measured and
# printed). Each connection has one request in flight at a time — sixteen tills — and takes
# the next job from one shared list, so the ten attempts on a racing voucher are in flight
# together on ten connections.

PATH = "/api/v1/vouchers/redeem/"


def request_bytes(port: int, token: str, code: str, amount: str, key: str) -> bytes:
    body = json.dumps({"code": code, "amount": amount}).encode()
    head = (f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
            f"Idempotency-Key: {key}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


class _Connection:
    __slots__ = ("attempts", "buffer", "job", "sock", "started")

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.job = -1
        self.started = 0.0
        self.attempts = 0


def _answer(buffer: bytes) -> tuple[int, int, bool] | None:
    """(status, bytes used, server closes) once a whole answer is in the buffer."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = buffer[:end].decode("latin-1").lower()
    length = 0
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name == "content-length":
            length = int(value)
    if len(buffer) < end + 4 + length:
        return None
    closes = "\r\nconnection: close" in head
    return int(head[9:12]), end + 4 + length, closes


def _drive(port: int, requests: list[bytes], out: multiprocessing.Queue) -> None:
    """Send every request over CLIENTS connections; put (results, CPU seconds) on `out`."""
    import resource
    import selectors

    selector = selectors.DefaultSelector()
    results: list[tuple[int, float]] = [(-1, 0.0)] * len(requests)
    state = {"next": 0, "done": 0}
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()

    def send(conn: _Connection) -> None:
        conn.started = time.perf_counter()
        conn.sock.sendall(requests[conn.job])

    def take(conn: _Connection) -> bool:
        if state["next"] >= len(requests):
            selector.unregister(conn.sock)
            conn.sock.close()
            return False
        conn.job, conn.attempts = state["next"], 0
        state["next"] += 1
        send(conn)
        return True

    def reopen(conn: _Connection) -> _Connection:
        # The server closed a keep-alive connection: a new one, the same request again (the
        # same Idempotency-Key: that is what the key is for).
        selector.unregister(conn.sock)
        conn.sock.close()
        fresh = _Connection(port)
        fresh.job, fresh.attempts = conn.job, conn.attempts + 1
        if fresh.attempts > 3:
            raise RuntimeError("the server keeps closing the connection")
        selector.register(fresh.sock, selectors.EVENT_READ, fresh)
        return fresh

    for _ in range(min(CLIENTS, len(requests))):
        conn = _Connection(port)
        selector.register(conn.sock, selectors.EVENT_READ, conn)
        take(conn)
    while state["done"] < len(requests):
        events = selector.select(timeout=60)
        if not events:
            raise RuntimeError("no answer from the server for 60 s")
        for key, _mask in events:
            conn = key.data
            try:
                data = conn.sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                send(reopen(conn))
                continue
            conn.buffer += data
            answer = _answer(conn.buffer)
            if answer is None:
                continue
            status, used, closes = answer
            results[conn.job] = (status, time.perf_counter() - conn.started)
            state["done"] += 1
            conn.buffer = conn.buffer[used:]
            if closes:
                conn = reopen(conn)
            take(conn)
    elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime - usage0.ru_utime + usage.ru_stime - usage0.ru_stime
    out.put((results, cpu, elapsed))


def load(port: int, jobs: list[tuple[str, str, str, str]]) -> tuple[float, list[tuple[int, float]], float]:
    """Send jobs (token, code, amount, key) from CLIENTS connections; returns wall time,
    each answer's (status, latency) and the client's CPU seconds."""
    requests = [request_bytes(port, *job) for job in jobs]
    queue: multiprocessing.Queue = multiprocessing.Queue()
    # A process of its own (forked: the requests are not copied through a pipe), so that
    # its CPU is its own and the parent's reading of /proc does not slow it.
    proc = multiprocessing.Process(target=_drive, args=(port, requests, queue))
    proc.start()
    results, cpu, elapsed = queue.get(timeout=1800)
    proc.join()
    return elapsed, results, cpu


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the web server did not start")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time used so far by these processes (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def descendants(pid: int) -> list[int]:
    children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return children + [d for c in children for d in descendants(c)]


class BackendCPU:
    """CPU of the PostgreSQL backends serving the bench database, sampled from /proc every
    quarter second while the load runs: a backend that a worker opens and closes during
    the run (Django reconnects after CONN_MAX_AGE) is counted up to its last sample, which
    a reading at the start and the end alone would miss."""

    def __init__(self, database: str = DB_NAME) -> None:
        self.marker = f" {database} ".encode()
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.others: set[int] = set()  # not PostgreSQL: not read again (the scan stays cheap)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _scan(self, initial: bool) -> None:
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            if pid in self.others:
                continue
            if pid not in self.last:
                try:
                    title = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                if not title.startswith(b"postgres:"):
                    self.others.add(pid)
                if self.marker not in title:  # (a backend still starting up: read again)
                    continue
            cpu = cpu_seconds([pid])
            if pid not in self.first:
                self.first[pid] = cpu if initial else 0.0  # born during the run: all of it
            self.last[pid] = max(cpu, self.last.get(pid, 0.0))

    def _run(self) -> None:
        while not self.stop.wait(0.25):
            self._scan(initial=False)

    def __enter__(self) -> BackendCPU:
        self._scan(initial=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self._scan(initial=False)

    def seconds(self) -> float:
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


def server_command(args: argparse.Namespace, workers: int, port: int) -> list[str]:
    """gunicorn (pinned with the project) or granian (when installed), on 127.0.0.1:port."""
    if args.server == "granian":
        return [PYTHON, "-m", "granian", "--interface", "wsgi", "himaya.wsgi:application", "--host", "127.0.0.1",
                "--port", str(port), "--workers", str(workers), "--blocking-threads", str(args.threads),
                "--no-access-log", "--log-level", "warning"]
    return [str(Path(PYTHON).parent / "gunicorn"), "himaya.wsgi", "-b", f"127.0.0.1:{port}",
            "-w", str(workers), "-k", args.worker_class, "--threads", str(args.threads),
            "--keep-alive", "30", "--log-level", "warning"]


def server_label(args: argparse.Namespace, workers: int) -> str:
    if args.server == "granian":
        return f"granian wsgi ×{workers}×{args.threads} threads"
    threads = f"×{args.threads} threads" if args.worker_class == "gthread" else ""
    return f"gunicorn {args.worker_class} ×{workers}{threads}"


def pgbench(db_url: str, seconds: int) -> dict[str, float]:
    subprocess.run(["pgbench", "-i", "-q", "-s", "4", db_url], check=True, capture_output=True)
    out = subprocess.run(["pgbench", "-c", str(CLIENTS), "-j", "2", "-T", str(seconds), db_url],
                         check=True, capture_output=True, text=True).stdout
    tps = next(float(line.split("=")[1].split()[0]) for line in out.splitlines() if line.startswith("tps ="))
    latency = next(float(line.split("=")[1].split()[0]) for line in out.splitlines()
                   if line.startswith("latency average"))
    subprocess.run(["pgbench", "-i", "-I", "d", db_url], check=False, capture_output=True)
    return {"tps": tps, "latency_ms": latency}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=16000, help="throughput phase: redemptions sent")
    parser.add_argument("--races", type=int, default=1000, help="vouchers raced for, ten attempts each")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: 2 × cores + 1)")
    parser.add_argument("--server", choices=["gunicorn", "granian"], default="gunicorn")
    parser.add_argument("--worker-class", default="gthread", help="gunicorn's worker class")
    parser.add_argument("--threads", type=int, default=2, help="threads per gthread worker")
    parser.add_argument("--seconds-pgbench", type=int, default=10)
    args = parser.parse_args()
    base = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not shutil.which("pgbench") or not shutil.which("psql"):
        print("vouchers bench: skipped (pgbench/psql not installed)")
        return 0
    try:
        psql(base, "SELECT 1")
    except (subprocess.CalledProcessError, FileNotFoundError):
        print(f"vouchers bench: skipped (no PostgreSQL at {base})")
        return 0
    cores = os.cpu_count() or 1
    workers = args.workers or 2 * cores + 1
    db_url = pg_url(base, DB_NAME)
    var_dir = tempfile.mkdtemp(prefix="hvar-bench-vouchers-")
    env = django_env(db_url, var_dir)
    psql(base, f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    psql(base, f"CREATE DATABASE {DB_NAME}")
    server = None
    try:
        print(f"vouchers bench: {cores} cores, PostgreSQL database {DB_NAME}; preparing data…", flush=True)
        data = json.loads(subprocess.run([PYTHON, "-c", SETUP, str(args.requests // 8), str(args.races)],
                                         env=env, check=True, capture_output=True, text=True).stdout
                          .strip().splitlines()[-1])
        tokens, pool, race = data["tokens"], data["pool"], data["race"]
        pg = pgbench(db_url, args.seconds_pgbench)
        port = free_port()
        server = subprocess.Popen(server_command(args, workers, port), env=env, cwd=ROOT, start_new_session=True)
        wait_for(port)
        # Warm-up: every worker imports, connects and fills its caches.
        load(port, [(tokens[i % CLIENTS], pool[i % len(pool)], "0.01", f"warm-{i}") for i in range(400)])

        # Throughput: partial redemptions of 1 MAD spread over the pool (some rows contended).
        jobs = [(tokens[i % CLIENTS], pool[(i * 7919) % len(pool)], "1", f"t-{uuid.uuid4()}")
                for i in range(args.requests)]
        web = [server.pid, *descendants(server.pid)]
        web_before = cpu_seconds(web)
        # CPU the server side (web server workers + PostgreSQL backends) spent per
        # redemption: what the machine's other tenants distort much less than wall time.
        with BackendCPU() as backends:
            elapsed, results, client_cpu = load(port, jobs)
        web_cpu = cpu_seconds(web) - web_before
        db_cpu = backends.seconds()
        server_cpu = web_cpu + db_cpu
        load_average = os.getloadavg()[0]
        ok = [lat for status, lat in results if status == 201]
        statuses: dict[int, int] = {}
        for status, _lat in results:
            statuses[status] = statuses.get(status, 0) + 1

        # Races: ten attempts per voucher, from ten different vendors, at the same moment.
        race_jobs = [(tokens[(v + k) % CLIENTS], race[v], "100", f"r-{v}-{k}")
                     for v in range(len(race)) for k in range(10)]
        race_elapsed, race_results, _race_cpu = load(port, race_jobs)
        race_statuses: dict[int, int] = {}
        for status, _lat in race_results:
            race_statuses[status] = race_statuses.get(status, 0) + 1
        verify = json.loads(subprocess.run([PYTHON, "-c", VERIFY], env=env, check=True, capture_output=True,
                                           text=True).stdout.strip().splitlines()[-1])
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        psql(base, f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        shutil.rmtree(var_dir, ignore_errors=True)

    rate = len(ok) / elapsed
    p50, p99 = percentile(ok, 0.50) * 1000, percentile(ok, 0.99) * 1000
    print()
    print(f"| measure ({cores} cores, PostgreSQL, {server_label(args, workers)}, {CLIENTS} clients) | value |")
    print("|---|---|")
    print(f"| pgbench TPC-B-like, {CLIENTS} clients, {args.seconds_pgbench} s | {pg['tps']:.0f} tps, "
          f"{pg['latency_ms']:.1f} ms average |")
    print(f"| API redemptions (`POST /api/v1/vouchers/redeem/`), {len(results)} sent | {rate:.0f} /s |")
    print(f"| latency p50 / p99 | {p50:.1f} ms / {p99:.1f} ms |")
    per_request = server_cpu / max(1, len(results)) * 1000
    print(f"| server CPU per redemption (web server + PostgreSQL backends) | {per_request:.2f} ms "
          f"({web_cpu / max(1, len(results)) * 1000:.2f} + {db_cpu / max(1, len(results)) * 1000:.2f}) "
          f"→ {cores * 1000 / per_request:.0f} /s if {cores} cores served only this |")
    print(f"| client CPU per request (the 16 connections' process, on the same cores) | "
          f"{client_cpu / max(1, len(results)) * 1000:.3f} ms |")
    print(f"| load average during the run (other processes on the machine) | {load_average:.1f} |")
    print(f"| answers | {', '.join(f'{k}: {v}' for k, v in sorted(statuses.items()))} |")
    print(f"| racing attempts (10 per voucher) | {len(race_results)} in {race_elapsed:.1f} s: "
          f"{', '.join(f'{k}: {v}' for k, v in sorted(race_statuses.items()))} |")
    print(f"| vouchers spent exactly once / double spends | {verify['spent_once']} of {verify['vouchers']} / "
          f"{verify['double_spent']} |")
    print(f"| ledger = face value; balances ≥ 0 | {verify['ledger_mismatch'] == 0 and verify['negative'] == 0} |")
    print(f"| partial redemptions: balance = value − redemptions on every voucher | {verify['pool_consistent']} |")
    good = (verify["pool_consistent"] and verify["double_spent"] == 0 and verify["ledger_mismatch"] == 0 and verify["negative"] == 0
            and verify["spent_once"] == verify["vouchers"])
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
