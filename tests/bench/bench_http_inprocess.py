"""The HTTP payment path in process (`make bench`, issue 7 "Online speed"): the same
request bench_http posts (one cash payment, distribute and freeze, API key), through
DRF's APIClient against demo accounts; per payment the SQL statements and the median and
p95 ms of work (no network, no gunicorn): what each request costs the application.
BENCH_HTTP_PROFILE=1 prints the cProfile top functions too (=path.prof also saves them)."""

import cProfile
import io
import os
import pstats
import statistics
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from .bench_http import _bench_user, _body, _payable_accounts, _pct, auth_headers, say

pytestmark = [pytest.mark.bench, pytest.mark.django_db(transaction=True)]
RUNS = int(os.environ.get("BENCH_HTTP_INPROCESS_RUNS", "200"))


def test_http_payment_in_process(settings):
    # the code-table cache, on as in production (the test settings turn it off)
    settings.OPENCIS_CODE_TABLE_CACHE_SECONDS = int(os.environ.get("BENCH_HTTP_CODE_CACHE", "10"))
    call_command("seed_demo", "--accounts", "200", "--seed", "1", stdout=io.StringIO())
    numbers = _payable_accounts()
    headers = auth_headers(_bench_user())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=headers["Authorization"])

    def post(n):
        response = client.post(
            "/api/v1/payment-events/", _body([numbers[n % len(numbers)]]), format="json"
        )
        assert response.status_code == 201, response.content[:300]

    for n in range(10):  # warm: imports, caches
        post(n)
    statements, timings, cpu = [], [], []
    for n in range(RUNS):
        with CaptureQueriesContext(connection) as queries:
            started, cpu_started = time.perf_counter(), time.process_time()
            post(n + 10)
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
        statements.append(len(queries))
    say(
        f"HTTP payment in process ({RUNS} requests, 1 cash payment each):"
        f" {statistics.median(statements):.0f} SQL statements,"
        f" median {statistics.median(timings) * 1000:.1f} ms"
        f" (p95 {_pct(timings, 0.95) * 1000:.1f} ms), CPU median"
        f" {statistics.median(cpu) * 1000:.1f} ms per payment"
    )
    if os.environ.get("BENCH_HTTP_PROFILE"):
        with CaptureQueriesContext(connection) as queries:
            post(RUNS + 11)
        for q in queries.captured_queries:
            say(f"  SQL {q['time']} {q['sql'][:220]}")
        profile = cProfile.Profile(time.process_time)
        profile.enable()
        for n in range(50):
            post(RUNS + 20 + n)
        profile.disable()
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        if os.environ["BENCH_HTTP_PROFILE"].endswith(".prof"):
            stats.dump_stats(os.environ["BENCH_HTTP_PROFILE"])
        stats.sort_stats("cumulative").print_stats(70)
        print(out.getvalue())
    call_command("check_ledger", stdout=io.StringIO())
