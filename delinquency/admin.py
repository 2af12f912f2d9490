"""The delinquency app's admin, one import per piece."""

from . import admin_shutoff  # noqa: F401
