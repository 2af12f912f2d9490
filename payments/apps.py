from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from .ledger_checks import ledger_checks_register

        ledger_checks_register()
