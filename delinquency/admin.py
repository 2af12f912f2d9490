"""The delinquency app's admin: each piece keeps its admin in its own module."""

from . import (
    admin_alerts,  # noqa: F401 - alert types
    admin_shutoff,  # noqa: F401 - territories, moratorium days, evaluations
)
