"""A per-process cache of the small configuration (code) tables every online payment
reads: tender sources and types and the other codes the API looks up, the default
distribution and overpayment rules (issue 7 "Online speed": a query each, per request).

A row saved or deleted through the ORM in this process clears the cache at once
(post_save / post_delete, as the admin saves); other processes (the other gunicorn
workers) see the change within OPENCIS_CODE_TABLE_CACHE_SECONDS (default 10). 0 turns the
cache off: the test settings do, since a test's rolled-back rows send no signal and a
bulk `update()` none either. Cached instances are shared: read them, never change them.
"""

import threading
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.conf import settings
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")
_cache: dict[tuple, tuple[float, object]] = {}
_watched: set[type] = set()
_lock = threading.Lock()


def cache_seconds() -> float:
    return getattr(settings, "OPENCIS_CODE_TABLE_CACHE_SECONDS", 10)


def code_table_cached(key: tuple, models: Iterable[type], load: Callable[[], T]) -> T:
    """`load()`, kept for `cache_seconds()` under `key`; a save or delete of any of
    `models` in this process forgets every cached value."""
    seconds = cache_seconds()
    if seconds <= 0:
        return load()
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    for model in models:
        _watch(model)
    value = load()
    _cache[key] = (now + seconds, value)
    return value


def code_tables_forget(**kwargs) -> None:
    _cache.clear()


def _watch(model: type) -> None:
    if model in _watched:
        return
    with _lock:
        if model not in _watched:
            post_save.connect(code_tables_forget, sender=model, weak=False)
            post_delete.connect(code_tables_forget, sender=model, weak=False)
            _watched.add(model)
