"""Delinquency in the admin: the collection policy, alert types, service territories and
moratorium days are configuration (editable); what the nightly jobs and the panel record
(notices, penalty decisions, arrangements, certificates, disputes, evaluations, credit
attributes) is read-only here: it changes through the services, with history."""

from django.contrib import admin

from accounts.admin import ReadOnlyAdmin

from . import admin_alerts, admin_shutoff, models  # noqa: F401 - alert types; territories, moratorium days, evaluations


@admin.register(models.DelinquencyPolicy)
class DelinquencyPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "effective_on",
        "customer_type",
        "revenue_class",
        "minimum_past_due",
        "notice_days_after_due",
        "penalty_kind",
        "penalty_days_after_due",
        "penalty_cap",
        "shutoff_days_past_due",
    ]
    list_filter = ["customer_type", "revenue_class", "penalty_kind"]
    fieldsets = [
        (None, {"fields": ["customer_type", "revenue_class", "effective_on"]}),
        ("Late notice", {"fields": ["notice_days_after_due", "minimum_past_due"]}),
        (
            "Penalty",
            {
                "fields": [
                    "penalty_kind",
                    "penalty_fixed",
                    "penalty_percent",
                    "penalty_minimum",
                    "penalty_maximum",
                    "penalty_cap",
                    "penalty_adjustment_type",
                    "penalty_days_after_due",
                    "kept_arrangement_exempts_penalty",
                ]
            },
        ),
        (
            "Arrangements",
            {
                "fields": [
                    "broken_arrangement_grace_days",
                    "broken_arrangement_points",
                    "broken_arrangement_points_months",
                ]
            },
        ),
        (
            "Shut-off",
            {
                "fields": [
                    "shutoff_days_past_due",
                    "shutoff_minimum_past_due",
                    "shutoff_notice_business_days",
                ]
            },
        ),
        (
            "Write-offs",
            {"fields": ["writeoff_days_after_final", "writeoff_refers_to_collections"]},
        ),
    ]


@admin.register(models.LateNotice)
class LateNoticeAdmin(ReadOnlyAdmin):
    list_display = ["account", "notice_date", "past_due", "pay_by", "delivery", "email_status"]
    list_filter = ["delivery", "email_status", "notice_date"]
    search_fields = ["account__number"]
    raw_id_fields = ["account", "bill", "batch_run"]


@admin.register(models.PenaltyDecision)
class PenaltyDecisionAdmin(ReadOnlyAdmin):
    """The penalty job's decisions; filter by date and reason for the run's skip counts."""

    list_display = ["account", "as_of", "outcome", "reason", "past_due", "amount", "detail"]
    list_filter = ["outcome", "reason", "as_of"]
    search_fields = ["account__number"]
    raw_id_fields = ["account", "bill", "adjustment", "policy", "batch_run"]


@admin.register(models.CreditAttributes)
class CreditAttributesAdmin(ReadOnlyAdmin):
    list_display = ["account", "no_penalty", "no_penalty_expires_on", "updated_by", "updated_at"]
    list_filter = ["no_penalty"]
    search_fields = ["account__number"]


class InstallmentInline(admin.TabularInline):
    model = models.ArrangementInstallment
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(models.Arrangement)
class ArrangementAdmin(ReadOnlyAdmin):
    list_display = ["number", "account", "status", "amount", "installments_count", "start_on"]
    list_filter = ["status", "frequency"]
    search_fields = ["number", "account__number"]
    inlines = [InstallmentInline]


@admin.register(models.MedicalCertificate)
class MedicalCertificateAdmin(ReadOnlyAdmin):
    list_display = ["account", "certified_on", "expires_on", "certifier"]
    search_fields = ["account__number"]


@admin.register(models.BillDispute)
class BillDisputeAdmin(ReadOnlyAdmin):
    list_display = ["bill", "account", "opened_on", "resolved_on", "reason"]
    search_fields = ["account__number"]


class WriteOffLineInline(admin.TabularInline):
    model = models.WriteOffLine
    extra = 0
    can_delete = False
    readonly_fields = ["sa", "amount", "recovered", "ft"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.WriteOff)
class WriteOffAdmin(ReadOnlyAdmin):
    """Write-offs (README "Write-offs"): made on the panel or by the nightly job, undone
    only by payments."""

    list_display = [
        "account",
        "written_off_on",
        "amount",
        "recovered",
        "refer_to_collections",
        "referred_on",
        "created_by",
    ]
    list_filter = ["refer_to_collections", "written_off_on"]
    search_fields = ["account__number"]
    raw_id_fields = ["account", "batch_run"]
    inlines = [WriteOffLineInline]


@admin.register(models.WriteOffRecovery)
class WriteOffRecoveryAdmin(ReadOnlyAdmin):
    list_display = ["write_off", "payment", "amount", "created_at", "cancelled_at"]
    search_fields = ["write_off__account__number"]
    raw_id_fields = ["write_off", "payment"]
    exclude = ["fts"]
