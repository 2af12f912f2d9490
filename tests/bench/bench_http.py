"""HTTP payment benchmark (`make bench`, issue 7 "Online speed"): gunicorn on loopback
against PostgreSQL seeded with demo accounts; cash payments (distribute and freeze) posted
to `POST /api/v1/payment-events/`.

- throughput: 20 concurrent clients, each on its own demo accounts, one payment per
  request (target >= 100 payments/s on 2 cores); then 4 clients posting events of 10
  payments, for the cost per payment at two sizes (wall, gunicorn CPU, PostgreSQL CPU);
- latency: open loop at 50 payments/s, each request sent at its scheduled time whatever
  the answers (target p95 < 100 ms), measured from the scheduled time;
- the raw PostgreSQL floor: the same rows the throughput run wrote, inserted again with
  plain SQL into scratch copies of the tables (one transaction per payment, the same 20
  connections' worth of concurrency), so throughput reads as a ratio to the floor.

Sizes: BENCH_HTTP_ACCOUNTS (default 500 demo accounts), BENCH_HTTP_PAYMENTS (throughput
requests, default 1,000), BENCH_HTTP_SECONDS (latency run, default 10),
BENCH_HTTP_WORKERS (2), BENCH_HTTP_WORKER_CLASS (sync) and BENCH_HTTP_THREADS (1, for
gthread) for gunicorn, BENCH_HTTP_CONN_MAX_AGE (60: persistent database connections),
BENCH_HTTP_CODE_CACHE (10: seconds of the code-table cache, as in production; 0: off).
Everything is bounded: requests, seconds, and the server is stopped at the end.
"""

import io
import logging
import os
import queue
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import httpx
import psycopg
import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection
from psycopg.types.json import Jsonb

from accounts.models import Account

pytestmark = [pytest.mark.bench, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 20
OFFERED_RATE = 50  # payments/s for the latency run
ACCOUNTS = int(os.environ.get("BENCH_HTTP_ACCOUNTS", "500"))
PAYMENTS = int(os.environ.get("BENCH_HTTP_PAYMENTS", "1000"))
LATENCY_SECONDS = int(os.environ.get("BENCH_HTTP_SECONDS", "10"))
MAX_RUN_SECONDS = 120  # no phase runs longer, whatever the server does
TIMEOUT = httpx.Timeout(30.0)
logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per request otherwise


# -- authentication --------------------------------------------------------------------


def auth_headers(user: User) -> dict[str, str]:
    """The headers every bench request carries to authenticate as `user`: an API key, as
    an integration (a processor, the lockbox importer) would send it (issue 7 item 17)."""
    from cis.models import UserAPIKey

    _, key = UserAPIKey.objects.create_key(user=user, name="bench")
    return {"Authorization": f"Api-Key {key}"}


# -- the server ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    d = connection.settings_dict
    auth = d["USER"] + (f":{d['PASSWORD']}" if d["PASSWORD"] else "")
    return f"postgres://{auth}@{d['HOST'] or '127.0.0.1'}:{d['PORT'] or 5432}/{d['NAME']}"


class Server:
    """gunicorn serving this worktree's code on 127.0.0.1, against the test database."""

    def __init__(self):
        self.port = _free_port()
        self.workers = int(os.environ.get("BENCH_HTTP_WORKERS", "2"))
        self.worker_class = os.environ.get("BENCH_HTTP_WORKER_CLASS", "sync")
        self.threads = int(os.environ.get("BENCH_HTTP_THREADS", "1"))
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cis.settings_test",
            "DATABASE_URL": _database_url(),
            "DATABASE_CONN_MAX_AGE": os.environ.get("BENCH_HTTP_CONN_MAX_AGE", "60"),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "OPENCIS_LOG_LEVEL": "WARNING",
            # the test settings turn the code-table cache off; production keeps it on
            "OPENCIS_CODE_TABLE_CACHE_SECONDS": os.environ.get("BENCH_HTTP_CODE_CACHE", "10"),
        }
        self.log = io.BytesIO()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "cis.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--worker-class",
                self.worker_class,
                "--threads",
                str(self.threads),
                "--backlog",
                "256",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        self._wait_up()

    def _wait_up(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.process.stderr.read().decode()}")
            try:
                httpx.get(f"{self.url}/login/", timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 30 s")

    def cpu_seconds(self) -> float:
        """CPU time used so far by the gunicorn workers (the application's share)."""
        total = 0.0
        tick = os.sysconf("SC_CLK_TCK")
        for pid in _children(self.process.pid):
            total += _cpu(pid, tick)
        return total

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _children(ppid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == ppid:
                pids.append(int(entry))
    return pids


def _cpu(pid: int, tick: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / tick  # utime + stime


def _db_backend_cpu() -> float:
    """CPU time of the PostgreSQL backends connected to the test database (persistent
    connections: the server's two workers, and ours)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        )
        pids = [row[0] for row in cursor.fetchall()]
    tick = os.sysconf("SC_CLK_TCK")
    return sum(_cpu(pid, tick) for pid in pids)


# -- load ------------------------------------------------------------------------------


def _body(numbers: list[str], amount: str = "10.00") -> dict:
    total = Decimal(amount) * len(numbers)
    return {
        "tender_source": "CASHIER",
        "mode": "distribute_and_freeze",
        "tenders": [{"tender_type": "CASH", "amount": f"{total:.2f}"}],
        "payments": [{"account": n, "amount": amount} for n in numbers],
    }


class Outcome:
    def __init__(self):
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def record(
        self, started: float, response: httpx.Response | Exception, expected: int = 201
    ) -> None:
        elapsed = time.perf_counter() - started
        with self.lock:
            if isinstance(response, Exception):
                self.errors.append(repr(response)[:200])
            elif response.status_code != expected:
                self.errors.append(f"{response.status_code} {response.text[:200]}")
            else:
                self.latencies.append(elapsed)


def _post(client: httpx.Client, body: dict) -> httpx.Response | Exception:
    try:
        return client.post("/api/v1/payment-events/", json=body)
    except httpx.HTTPError as exc:
        return exc


def cash_send(client: httpx.Client, n: int, numbers: list[str]):
    """Request `n` of a run: one cash event paying `numbers`; (answer, expected status).
    Other benches (bench_webhooks) pass their own `send` to the loops below."""
    return _post(client, _body(numbers)), 201


def closed_loop(
    server: Server, headers, slices: list[list[str]], requests: int, size: int, send=cash_send
):
    """One client per slice of accounts, each posting back to back on its own accounts."""
    outcome = Outcome()
    work: queue.Queue = queue.Queue()
    for n in range(requests):
        work.put(n)
    deadline = time.monotonic() + MAX_RUN_SECONDS

    def client_run(accounts: list[str]) -> None:
        with httpx.Client(base_url=server.url, headers=headers, timeout=TIMEOUT) as client:
            turn = 0
            while time.monotonic() < deadline:
                try:
                    n = work.get_nowait()
                except queue.Empty:
                    return
                numbers = [accounts[(turn * size + k) % len(accounts)] for k in range(size)]
                turn += 1
                started = time.perf_counter()
                outcome.record(started, *send(client, n, numbers))

    started = time.perf_counter()
    with ThreadPoolExecutor(len(slices)) as pool:
        list(pool.map(client_run, slices))
    return outcome, time.perf_counter() - started


def open_loop(
    server: Server, headers, accounts: list[str], rate: int, seconds: int, send=cash_send
):
    """Requests start on a fixed schedule (rate per second) whatever the answers; each
    latency counts from the scheduled start, so a server that falls behind shows it."""
    outcome = Outcome()
    total = rate * seconds
    threads = max(CLIENTS, rate * 2)
    # The clients are built before the schedule starts: building one (an SSL context
    # among others) costs milliseconds of the load generator's CPU, on the server's cores,
    # which inside the run would delay the first requests and count as server latency.
    clients: queue.Queue = queue.Queue()
    for _ in range(threads):
        clients.put(httpx.Client(base_url=server.url, headers=headers, timeout=TIMEOUT))
    begin = time.perf_counter() + 0.5

    def one(n: int) -> None:
        scheduled = begin + n / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        if time.perf_counter() - begin > MAX_RUN_SECONDS:
            outcome.record(scheduled, TimeoutError("run over its time bound"))
            return
        client = clients.get()
        try:
            outcome.record(scheduled, *send(client, n, [accounts[n % len(accounts)]]))
        finally:
            clients.put(client)

    # Enough threads that a slow answer never delays the next scheduled request.
    try:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(one, range(total)))
    finally:
        while not clients.empty():
            clients.get().close()
    return outcome


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(round(q * len(ordered))) - 1)] if ordered else float("nan")


def _latency_line(samples: list[float]) -> str:
    if not samples:
        return "no successful requests"
    return (
        f"p50 {statistics.median(samples) * 1000:.1f} ms, p95 {_pct(samples, 0.95) * 1000:.1f}"
        f" ms, max {max(samples) * 1000:.1f} ms"
    )


# -- the raw PostgreSQL floor ----------------------------------------------------------

# Tables one online payment writes, in write order; StateLog rows are the transitions.
_FLOOR_TABLES = [
    "payments_paymentevent",
    "payments_tender",
    "payments_payment",
    "accounts_financialtransaction",
    "accounts_glline",
    "payments_paysegment",
    "django_fsm_log_statelog",
]


def _max_ids() -> dict[str, int]:
    with connection.cursor() as cursor:
        out = {}
        for table in _FLOOR_TABLES:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
            out[table] = cursor.fetchone()[0]
        return out


def _rows_since(since: dict[str, int]) -> dict[str, list[tuple]]:
    """The rows each table gained since `since`, with their column names first."""
    out = {}
    with connection.cursor() as cursor:
        for table in _FLOOR_TABLES:
            cursor.execute(f"SELECT * FROM {table} WHERE id > %s ORDER BY id", [since[table]])  # noqa: S608
            out[table] = ([c.name for c in cursor.description], cursor.fetchall())
    return out


def _per_event(rows) -> list[dict]:
    """Group the rows of a run by payment event: what one request wrote."""
    col = {t: {name: i for i, name in enumerate(rows[t][0])} for t in rows}

    def key(table, field):
        return lambda r: r[col[table][field]]

    events = {r[0]: {t: [] for t in _FLOOR_TABLES} for r in rows["payments_paymentevent"][1]}
    for r in rows["payments_paymentevent"][1]:
        events[r[0]]["payments_paymentevent"].append(r)
    payment_event = {}
    for table in ("payments_tender", "payments_payment"):
        for r in rows[table][1]:
            events[key(table, "event_id")(r)][table].append(r)
            if table == "payments_payment":
                payment_event[r[0]] = key(table, "event_id")(r)
    ft_event = {}
    for r in rows["payments_paysegment"][1]:
        event = payment_event[key("payments_paysegment", "payment_id")(r)]
        events[event]["payments_paysegment"].append(r)
        ft_event[key("payments_paysegment", "ft_id")(r)] = event
    # FTs a payment writes besides its pay segments (a deferred charge of an opted-in demo
    # customer, seed 004) go with the event of the pay-segment FT just before them: the
    # floor writes the same rows, grouped near enough by request.
    last = None
    for r in sorted(rows["accounts_financialtransaction"][1], key=lambda r: r[0]):
        last = ft_event.setdefault(r[0], last if last is not None else next(iter(events)))
        events[last]["accounts_financialtransaction"].append(r)
    for r in rows["accounts_glline"][1]:
        events[ft_event[key("accounts_glline", "ft_id")(r)]]["accounts_glline"].append(r)
    for r in rows["django_fsm_log_statelog"][1]:
        event = payment_event.get(key("django_fsm_log_statelog", "object_id")(r))
        if event is not None:
            events[event]["django_fsm_log_statelog"].append(r)
    for event in events.values():
        ft = col["accounts_financialtransaction"]
        event["balances"] = [
            (r[ft["account_id"]], r[ft["sa_id"]], r[ft["current_amount"]])
            for r in event["accounts_financialtransaction"]
        ]
    return list(events.values())


def _conninfo() -> str:
    return _database_url().replace("postgres://", "postgresql://", 1)


def _adapt(value):
    return Jsonb(value) if isinstance(value, dict | list) else value


def raw_floor(rows, per_event: list[dict], clients: int) -> float:
    """payments/s writing the same rows with plain SQL: per payment event one transaction
    that locks the account, inserts each table's rows in one statement and moves the
    account and SA balances, `clients` connections at once, on scratch copies of the
    tables (same columns, defaults, indexes and checks; no triggers or foreign keys)."""
    scratch = {t: f"floor_{t}" for t in _FLOOR_TABLES}
    with psycopg.connect(_conninfo(), autocommit=True) as conn:
        for table, copy in scratch.items():
            conn.execute(f"DROP TABLE IF EXISTS {copy}")
            conn.execute(f"CREATE TABLE {copy} (LIKE {table} INCLUDING ALL)")
        conn.execute("DROP TABLE IF EXISTS floor_account, floor_sa")
        conn.execute(
            "CREATE TABLE floor_account AS SELECT * FROM accounts_account;"
            " ALTER TABLE floor_account ADD PRIMARY KEY (id)"
        )
        conn.execute(
            "CREATE TABLE floor_sa AS SELECT * FROM accounts_serviceagreement;"
            " ALTER TABLE floor_sa ADD PRIMARY KEY (id)"
        )
    statements = {
        t: (
            f"INSERT INTO {scratch[t]} ({', '.join(rows[t][0])}) VALUES "
            f"({', '.join(['%s'] * len(rows[t][0]))})"
        )
        for t in _FLOOR_TABLES
    }
    work: queue.Queue = queue.Queue()
    for event in per_event:
        work.put(event)

    def run() -> None:
        with psycopg.connect(_conninfo()) as conn:
            while True:
                try:
                    event = work.get_nowait()
                except queue.Empty:
                    return
                with conn.transaction(), conn.cursor() as cur:
                    account_ids = sorted({a for a, _, _ in event["balances"]})
                    cur.execute(
                        "SELECT id FROM floor_account WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
                        [account_ids],
                    )
                    for table in _FLOOR_TABLES:
                        if event[table]:
                            cur.executemany(
                                statements[table],
                                [[_adapt(v) for v in r] for r in event[table]],
                            )
                    cur.execute(
                        "UPDATE floor_account a SET balance = a.balance + d.amount FROM"
                        " (SELECT unnest(%s::bigint[]) AS id, unnest(%s::numeric[]) AS amount) d"
                        " WHERE a.id = d.id",
                        [
                            [a for a, _, _ in event["balances"]],
                            [m for _, _, m in event["balances"]],
                        ],
                    )
                    cur.execute(
                        "UPDATE floor_sa s SET balance = s.balance + d.amount FROM"
                        " (SELECT unnest(%s::bigint[]) AS id, unnest(%s::numeric[]) AS amount) d"
                        " WHERE s.id = d.id",
                        [
                            [s for _, s, _ in event["balances"]],
                            [m for _, _, m in event["balances"]],
                        ],
                    )

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(run) for _ in range(clients)]:
            future.result()
    seconds = time.perf_counter() - started
    payments = sum(len(e["payments_payment"]) for e in per_event)
    with psycopg.connect(_conninfo(), autocommit=True) as conn:
        for copy in [*scratch.values(), "floor_account", "floor_sa"]:
            conn.execute(f"DROP TABLE {copy}")
    return payments / seconds


# -- the benchmark ---------------------------------------------------------------------


def _bench_user() -> User:
    user = User.objects.create_user("bench-cashier", password="bench-not-a-secret")
    user.groups.add(Group.objects.get(name="CSR"))
    return user


def _payable_accounts() -> list[str]:
    """Demo accounts a CSR may pay cash to (public, accepting payments, with SAs)."""
    return list(
        Account.objects.filter(
            customer__is_public=True,
            customer__do_not_accept_payments=False,
            agreements__isnull=False,
        )
        .exclude(customer__disallowed_pay_methods__contains=["cash"])
        .distinct()
        .order_by("pk")
        .values_list("number", flat=True)
    )


def say(line: str) -> None:
    """Print a result at once (like conftest's `report`), so a failed run shows its numbers."""
    print(f"\nBENCH {line}", end="", flush=True)


def demo_seeded(label: str) -> None:
    """The bench's demo accounts (seed 1, `ACCOUNTS` of them), with the time it took."""
    started = time.perf_counter()
    call_command("seed_demo", "--accounts", str(ACCOUNTS), "--seed", "1", stdout=io.StringIO())
    say(f"{label} setup: seed_demo --accounts {ACCOUNTS:,} in {time.perf_counter() - started:.0f}s")


def test_http_payments():
    demo_seeded("HTTP bench")
    numbers = _payable_accounts()
    assert len(numbers) >= CLIENTS * 10, "too few payable demo accounts"
    slices = [numbers[n::CLIENTS] for n in range(CLIENTS)]
    headers = auth_headers(_bench_user())
    server = Server()
    try:
        warm = closed_loop(server, headers, slices, CLIENTS * 2, 1)[0]
        assert not warm.errors, warm.errors[:3]

        # (a) throughput, events of one payment; the rows feed the floor below
        since = _max_ids()
        cpu, db_cpu, own = server.cpu_seconds(), _db_backend_cpu(), time.process_time()
        outcome, seconds = closed_loop(server, headers, slices, PAYMENTS, 1)
        cpu, db_cpu = server.cpu_seconds() - cpu, _db_backend_cpu() - db_cpu
        own = time.process_time() - own  # the load generator's, on the same cores
        done = len(outcome.latencies)
        rate = done / seconds
        say(
            f"HTTP throughput, {CLIENTS} clients, 1 payment per request: {rate:.1f} payments/s"
            f" ({done} in {seconds:.1f}s, {len(outcome.errors)} errors;"
            f" {_latency_line(outcome.latencies)})"
        )
        say(
            f"  cost per payment: {1000 / rate:.1f} ms wall, app CPU {cpu / done * 1000:.1f}"
            f" ms, PostgreSQL CPU {db_cpu / done * 1000:.1f} ms, load generator CPU"
            f" {own / done * 1000:.1f} ms"
            f" (gunicorn {server.workers} {server.worker_class} workers x {server.threads}"
            " threads)"
        )
        assert not outcome.errors, outcome.errors[:3]
        rows = _rows_since(since)

        # 10 payments per request (cost per payment by size); fewer clients, so that
        # queued requests stay within the timeout
        clients10 = CLIENTS // 5
        slices10 = [numbers[n::clients10] for n in range(clients10)]
        requests = max(clients10, PAYMENTS // 10)
        cpu = server.cpu_seconds()
        outcome10, seconds10 = closed_loop(server, headers, slices10, requests, 10)
        cpu = server.cpu_seconds() - cpu
        done10 = len(outcome10.latencies) * 10
        say(
            f"HTTP throughput, {clients10} clients, 10 payments per request:"
            f" {done10 / seconds10:.1f} payments/s, {seconds10 / done10 * 1000:.1f} ms wall"
            f" and app CPU {cpu / max(done10, 1) * 1000:.1f} ms per payment"
            f" ({len(outcome10.errors)} errors; per request {_latency_line(outcome10.latencies)})"
        )
        assert not outcome10.errors, outcome10.errors[:3]

        # (b) latency at an offered 50 payments/s, open loop
        latency = open_loop(server, headers, numbers, OFFERED_RATE, LATENCY_SECONDS)
        say(
            f"HTTP latency at {OFFERED_RATE} payments/s offered, open loop,"
            f" {len(latency.latencies) + len(latency.errors)} requests:"
            f" {_latency_line(latency.latencies)} ({len(latency.errors)} errors)"
        )
        # A server slower than the offered load times requests out: a result, not a bug.
        failures = [e for e in latency.errors if "Timeout" not in e]
        assert not failures, failures[:3]
    finally:
        server.stop()

    floor = raw_floor(rows, _per_event(rows), CLIENTS)
    say(
        f"raw PostgreSQL floor, same rows, plain SQL, {CLIENTS} connections:"
        f" {floor:.0f} payments/s; HTTP throughput is {rate / floor:.1%} of it"
    )
    call_command("check_ledger", stdout=io.StringIO())
