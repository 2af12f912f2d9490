from django.contrib import admin

from accounts.admin import CodeTableAdmin, ReadOnlyAdmin
from cis.roles import ADMINISTRATOR

from . import models


def is_administrator(user) -> bool:
    return user.is_active and (user.is_superuser or user.groups.filter(name=ADMINISTRATOR).exists())


@admin.register(models.ServiceOrderType)
class ServiceOrderTypeAdmin(CodeTableAdmin):
    list_display = ["code", "description", "kind", "is_active"]
    list_filter = ["kind", "is_active"]


@admin.register(models.ServiceOrderClass)
class ServiceOrderClassAdmin(CodeTableAdmin):
    pass


@admin.register(models.TierStatus)
class TierStatusAdmin(CodeTableAdmin):
    list_display = ["code", "description", "is_auto_reconnect_eligible", "is_active"]
    list_filter = ["is_auto_reconnect_eligible", "is_active"]


@admin.register(models.ServiceOrder)
class ServiceOrderAdmin(ReadOnlyAdmin):
    """Read-only: orders change through the services (FSM, account status, locks)."""

    list_display = ["number", "type", "status", "account", "effective_date", "origin"]
    list_filter = ["status", "kind", "origin", "type"]
    search_fields = ["number", "account__number"]
    raw_id_fields = ["account", "location", "source_payment", "created_by", "completed_by"]


@admin.register(models.ReconnectOptions)
class ReconnectOptionsAdmin(admin.ModelAdmin):
    """Seed 000 Tools | Options | Auto-Reconnects: one row, Administrators only."""

    list_display = ["__str__", "reconnect_class", "rule", "ach_hold_days"]

    def has_view_permission(self, request, obj=None):
        return is_administrator(request.user)

    def has_module_permission(self, request):
        return True

    def has_add_permission(self, request):
        return is_administrator(request.user) and not models.ReconnectOptions.objects.exists()

    def has_change_permission(self, request, obj=None):
        return is_administrator(request.user)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.ReconnectDecision)
class ReconnectDecisionAdmin(ReadOnlyAdmin):
    list_display = ["payment", "account", "reconnected", "reason", "order", "decided_at"]
    list_filter = ["reconnected", "reason"]
    search_fields = ["account__number"]
    raw_id_fields = ["payment", "account", "order"]
