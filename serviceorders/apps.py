from django.apps import AppConfig


class ServiceordersConfig(AppConfig):
    name = "serviceorders"
