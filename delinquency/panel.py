"""The delinquency app on the Account Control Panel: each piece registers itself in its own
module (accounts.panel extension points)."""

from . import panel_credit  # noqa: F401 - Credit tab, alerts
