from django.apps import AppConfig


class DelinquencyConfig(AppConfig):
    name = "delinquency"
