"""Autopay configuration (banks, originators, the ACH return-code table) is edited here;
enrollments, clearing records, extracts and inbound files are read-only: they change only
through the services (panel, API, batch)."""

from django.contrib import admin

from accounts.admin import PrivateHiddenAdmin, ReadOnlyAdmin

from . import models


@admin.register(models.Bank)
class BankAdmin(admin.ModelAdmin):
    list_display = ["routing_number", "name"]
    search_fields = ["routing_number", "name"]


@admin.register(models.AchOriginator)
class AchOriginatorAdmin(admin.ModelAdmin):
    list_display = ["code", "company_name", "company_id", "odfi_routing", "is_default"]
    exclude = ["offset_account"]  # encrypted: set by the deployment, never shown


@admin.register(models.ReturnCodeRule)
class ReturnCodeRuleAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "description",
        "category",
        "cancel_reason",
        "stops_autopay",
        "max_representments",
    ]
    list_filter = ["category", "stops_autopay"]
    search_fields = ["code", "description"]


@admin.register(models.Enrollment)
class EnrollmentAdmin(PrivateHiddenAdmin, ReadOnlyAdmin):
    list_display = ["account", "kind", "amount_option", "start_on", "stopped_on", "stop_reason"]
    list_filter = ["kind", "amount_option", "stop_reason"]
    exclude = ["bank_account_number"]  # shown only through the audited reveal
    search_fields = ["account__number"]


@admin.register(models.Clearing)
class ClearingAdmin(PrivateHiddenAdmin, ReadOnlyAdmin):
    list_display = ["pk", "account", "kind", "status", "amount", "extract_on", "trace_number"]
    list_filter = ["status", "kind", "extract_on"]
    search_fields = ["account__number", "trace_number"]


@admin.register(models.AchExtract)
class AchExtractAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kind", "business_date", "effective_on", "entry_count", "total"]
    list_filter = ["kind", "business_date"]


@admin.register(models.AchInboundFile)
class AchInboundFileAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "imported_at", "returns", "changes", "exceptions"]


@admin.register(models.BillAutopayCheck)
class BillAutopayCheckAdmin(PrivateHiddenAdmin, ReadOnlyAdmin):
    """Why a bill was drafted or not (seed 001 step 1.7)."""

    private_via = "bill__account__customer"
    list_display = ["bill", "outcome", "clearing", "reason", "checked_at"]
    list_filter = ["outcome"]
    search_fields = ["bill__account__number"]
    raw_id_fields = ["bill", "enrollment", "clearing"]
