from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CisConfig(AppConfig):
    name = "cis"
    verbose_name = "OpenCIS platform"

    def ready(self) -> None:
        from django.core import checks
        from django.utils.module_loading import autodiscover_modules

        from cis import roles
        from cis.checks import encrypted_fields_check

        autodiscover_modules("batch")  # each app registers its nightly jobs in batch.py
        from cis import idempotency  # noqa: F401 (registers purge_idempotency_keys)

        post_migrate.connect(roles.roles_sync_handler, dispatch_uid="cis.roles_sync")
        checks.register(encrypted_fields_check, checks.Tags.security)
