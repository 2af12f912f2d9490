"""Real Celery worker processes for tests: `celery -A cis worker` subprocesses on the test
database and the test Redis, killed (process group and all) however the test ends."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from django.db import connection

from cis.celery import app

ROOT = Path(__file__).resolve().parents[1]


def worker_database_url() -> str:
    """The database the test process writes to (the `test_` one), as a DATABASE_URL."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "")
    if s["PASSWORD"]:
        auth += ":" + quote(s["PASSWORD"])
    host = s["HOST"] or "127.0.0.1"
    return f"postgres://{auth}@{host}:{s['PORT'] or 5432}/{s['NAME']}"


def broker_flush() -> None:
    """Empty this test run's Redis database: no message, queued or unacknowledged, of an
    earlier test reaches this test's workers."""
    with app.connection_for_write() as conn:
        conn.default_channel.client.flushdb()


class Workers:
    """Worker processes started by one test; `kill_all` in a finally (the fixture)."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str) -> str:
        env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "cis.settings_test",
            "DATABASE_URL": worker_database_url(),
            "CELERY_BROKER_URL": app.conf.broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
        }
        hostname = f"{name}@test"
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 (closed by the process)
        self.procs[hostname] = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "cis", "worker", "--pool=solo"]
            + ["-n", hostname, "--loglevel=WARNING", "--without-gossip", "--without-mingle"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as one
        )
        log.close()
        return hostname

    def wait_ready(self, *hostnames: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        waiting = set(hostnames)
        while waiting and time.monotonic() < deadline:
            for reply in app.control.ping(destination=list(waiting), timeout=0.5):
                waiting -= set(reply)
            for hostname in waiting:
                if self.procs[hostname].poll() is not None:
                    raise AssertionError(f"worker {hostname} exited: {self.log(hostname)}")
        if waiting:
            raise AssertionError(f"workers not ready in {timeout}s: {sorted(waiting)}")

    def kill(self, hostname: str) -> None:
        """SIGKILL: no warm shutdown, no acknowledgement, the open transaction cut off."""
        proc = self.procs[hostname]
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def kill_all(self) -> None:
        for hostname in self.procs:
            with contextlib.suppress(ProcessLookupError, subprocess.TimeoutExpired):
                self.kill(hostname)

    def log(self, hostname: str) -> str:
        name = hostname.split("@")[0]
        return (self.log_dir / f"{name}.log").read_text(errors="replace")[-3000:]
