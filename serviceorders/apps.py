from django.apps import AppConfig


class ServiceordersConfig(AppConfig):
    name = "serviceorders"
    verbose_name = "Service orders"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the payment_frozen receiver)
