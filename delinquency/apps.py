from django.apps import AppConfig


class DelinquencyConfig(AppConfig):
    name = "delinquency"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (payment_frozen / payment_cancelled: write-offs)
        from .ledger_checks import ledger_checks_register

        ledger_checks_register()
