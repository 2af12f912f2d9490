import unicodedata

from django.apps import AppConfig
from django.db.backends.signals import connection_created


def fold_accents(value: str | None) -> str | None:
    """'Ñúñez' -> 'Nunez': what PostgreSQL's unaccent() does for Latin letters, so the
    panel search is accent-insensitive on SQLite (`make run`) too."""
    if value is None:
        return None
    decomposed = unicodedata.normalize("NFKD", str(value))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _register_sqlite_unaccent(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("UNACCENT", 1, fold_accents, deterministic=True)


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and ledger"

    def ready(self) -> None:
        connection_created.connect(_register_sqlite_unaccent, dispatch_uid="accounts-unaccent")
        from .services.deposits import on_bill_completed
        from .signals import bill_completed

        # A final bill takes the deposit held (issue 13 item 3).
        bill_completed.connect(on_bill_completed, dispatch_uid="accounts-deposits-final-bill")
