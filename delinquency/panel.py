"""The delinquency app's panel registrations (found by accounts.panel's autodiscovery),
one import per piece."""

from . import panel_shutoff  # noqa: F401
