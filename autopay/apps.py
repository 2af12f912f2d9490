from django.apps import AppConfig


class AutopayConfig(AppConfig):
    name = "autopay"

    def ready(self) -> None:
        from .receivers import bills, tenders  # noqa: F401  (they connect their receivers)
