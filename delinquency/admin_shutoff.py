"""Admin for the shut-off configuration (issue 12 item 7): service territories and their
weather moratorium days (editable), and the job's evaluations (read-only: the job writes
them)."""

from django.contrib import admin

from accounts.admin import ReadOnlyAdmin

from . import models


class MoratoriumDayInline(admin.TabularInline):
    model = models.MoratoriumDay
    extra = 1
    fields = ["day", "kind", "reason"]


@admin.register(models.ServiceTerritory)
class ServiceTerritoryAdmin(admin.ModelAdmin):
    list_display = ["code", "description", "postal_prefixes", "cities"]
    search_fields = ["code", "description"]
    inlines = [MoratoriumDayInline]


@admin.register(models.MoratoriumDay)
class MoratoriumDayAdmin(admin.ModelAdmin):
    """A day with no territory applies everywhere."""

    list_display = ["day", "kind", "territory", "reason"]
    list_filter = ["kind", "territory"]
    date_hierarchy = "day"


@admin.register(models.ShutoffEvaluation)
class ShutoffEvaluationAdmin(ReadOnlyAdmin):
    list_display = ["account", "as_of", "is_eligible", "reason", "service_order"]
    list_filter = ["is_eligible", "as_of"]
    search_fields = ["account__number"]
    raw_id_fields = ["account", "service_order", "batch_run"]
