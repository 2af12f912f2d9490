"""The delinquency app on the Account Control Panel (found by accounts.panel's
autodiscovery): each piece registers itself in its own module."""

from . import (
    panel_arrangements,  # noqa: F401 - Arrangements tab and wizard
    panel_credit,  # noqa: F401 - Credit tab, alerts
    panel_notices,  # noqa: F401 - Delinquency tab: notices and penalty decisions
    panel_shutoff,  # noqa: F401 - Shut-off tab
)
