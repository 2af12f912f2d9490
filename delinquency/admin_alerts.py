"""Maintenance of the alerts (seed 000: Maintenance | Common | Alerts): which alerts show,
on the panel's banner and / or payment entry, and their text ({until}: the end date or the
record the alert is about). The conditions themselves are built in (delinquency.alerts)."""

from django.contrib import admin

from .models import AlertType


@admin.register(AlertType)
class AlertTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "text", "on_panel", "on_payment", "is_active"]
    list_editable = ["on_panel", "on_payment", "is_active"]
    list_filter = ["is_active", "on_panel", "on_payment"]

    def get_readonly_fields(self, request, obj=None):
        # A code names a built-in condition: it is what it is once the row exists.
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # switch an alert off with Active instead
