"""Benchmarks print their numbers; `make bench` shows them (pytest -s)."""

import statistics
import time

import pytest


class Report:
    def __init__(self):
        self.lines: list[str] = []

    def timing(self, label: str, seconds: float) -> None:
        self.lines.append(f"{label}: {seconds:.2f}s")

    def latencies(self, label: str, samples: list[float]) -> None:
        ordered = sorted(samples)
        p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
        self.lines.append(
            f"{label}: median {statistics.median(ordered) * 1000:.1f} ms, "
            f"p95 {p95 * 1000:.1f} ms over {len(ordered)} runs"
        )


@pytest.fixture
def report():
    r = Report()
    yield r
    print("\n" + "\n".join(f"BENCH {line}" for line in r.lines))


@pytest.fixture
def stopwatch():
    def measure(fn, *args, **kwargs):
        started = time.perf_counter()
        result = fn(*args, **kwargs)
        return result, time.perf_counter() - started

    return measure
