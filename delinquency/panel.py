"""Delinquency on the Account Control Panel: each piece registers itself on import."""

from . import panel_arrangements  # noqa: F401
