"""Demo data steps. Apps add steps in their `demo.py` with `register_step`; `seed_demo`
runs them in order."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class DemoContext:
    accounts: int
    seed: int
    as_of: date
    log: Callable[[str], None]


_STEPS: list[tuple[int, str, Callable[[DemoContext], None]]] = []


def register_step(order: int, name: str):
    def decorator(fn: Callable[[DemoContext], None]):
        _STEPS.append((order, name, fn))
        return fn

    return decorator


def demo_steps() -> list[tuple[str, Callable[[DemoContext], None]]]:
    autodiscover_modules("demo")
    return [(name, fn) for _, name, fn in sorted(_STEPS, key=lambda s: s[0])]
