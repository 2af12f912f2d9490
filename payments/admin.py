"""Payment configuration is edited here (seed 003 "Entities to Configure"); events, tenders
and payments are read-only: they change only through the services (API, panel, batch)."""

from django.contrib import admin

from accounts.admin import CodeTableAdmin, PrivateHiddenAdmin, ReadOnlyAdmin

from . import models
from .selectors import EVENT_VIA, PAYMENT_VIA, TENDER_VIA


@admin.register(models.TenderType)
class TenderTypeAdmin(CodeTableAdmin):
    list_display = ["code", "description", "category", "nsf_allowed", "is_active"]
    list_filter = ["category", "nsf_allowed", "is_active"]


@admin.register(models.TenderSource)
class TenderSourceAdmin(CodeTableAdmin):
    list_display = ["code", "description", "kind", "cash_gl", "is_active"]
    list_filter = ["kind", "is_active"]


@admin.register(models.PaymentCancelReason)
class PaymentCancelReasonAdmin(CodeTableAdmin):
    list_display = [
        "code",
        "description",
        "is_nsf",
        "fee_amount",
        "credit_rating_points",
        "cash_only_points",
        "creates_collection_review",
        "stops_autopay",
        "is_active",
    ]
    list_filter = ["is_nsf", "stops_autopay", "is_active"]


@admin.register(models.DistributionRule)
class DistributionRuleAdmin(CodeTableAdmin):
    list_display = ["code", "description", "algorithm", "is_default", "is_active"]


@admin.register(models.OverpaymentRule)
class OverpaymentRuleAdmin(CodeTableAdmin):
    list_display = ["code", "description", "method", "excess_sa_type", "is_default", "is_active"]


@admin.register(models.DistributionCode)
class DistributionCodeAdmin(CodeTableAdmin):
    list_display = ["code", "description", "gl_account", "is_active"]


class TenderInline(admin.TabularInline):
    model = models.Tender
    extra = 0
    can_delete = False
    fields = ["tender_type", "amount", "payor_account", "check_number", "last4", "status"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class PaymentInline(admin.TabularInline):
    model = models.Payment
    extra = 0
    can_delete = False
    fields = ["account", "amount", "status", "accounting_date", "cancel_reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.PaymentEvent)
class PaymentEventAdmin(PrivateHiddenAdmin, ReadOnlyAdmin):
    private_via = EVENT_VIA

    list_display = ["pk", "payment_date", "tender_source", "is_check_cashing", "external_id"]
    list_filter = ["tender_source", "is_check_cashing"]
    search_fields = ["external_id", "payments__account__number"]
    date_hierarchy = "payment_date"
    inlines = [TenderInline, PaymentInline]


class PaySegmentInline(admin.TabularInline):
    model = models.PaySegment
    extra = 0
    can_delete = False
    fields = ["sa", "amount", "is_overpayment", "debt_due_date", "ft", "cancel_ft"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.Payment)
class PaymentAdmin(PrivateHiddenAdmin, ReadOnlyAdmin):
    private_via = PAYMENT_VIA

    list_display = ["pk", "account", "amount", "status", "accounting_date", "event"]
    list_filter = ["status"]
    search_fields = ["account__number", "payer_name"]
    list_select_related = ["account", "event"]
    inlines = [PaySegmentInline]


@admin.register(models.Tender)
class TenderAdmin(PrivateHiddenAdmin, ReadOnlyAdmin):
    private_via = TENDER_VIA

    list_display = ["pk", "event", "tender_type", "amount", "status", "check_number", "last4"]
    list_filter = ["status", "tender_type"]
    search_fields = ["check_number", "external_id", "payor_account__number"]


@admin.register(models.DepositControl)
class DepositControlAdmin(ReadOnlyAdmin):
    list_display = ["pk", "deposit_date", "status", "expected_count", "expected_total"]
    list_filter = ["status"]


@admin.register(models.TenderControl)
class TenderControlAdmin(ReadOnlyAdmin):
    list_display = ["pk", "deposit_control", "tender_source", "cashier", "status"]
    list_filter = ["status", "tender_source"]


@admin.register(models.ControlAdjustment)
class ControlAdjustmentAdmin(ReadOnlyAdmin):
    list_display = ["pk", "deposit", "tender_control", "tender", "amount", "reason", "created_at"]
    list_select_related = [
        "tender_control__deposit_control",
        "tender_control__tender_source",
        "reason",
    ]

    @admin.display(description="deposit control")
    def deposit(self, obj):
        return obj.tender_control.deposit_control


class DeferredChargeServiceOrderInline(admin.TabularInline):
    model = models.DeferredChargeServiceOrder
    extra = 1
    fields = ["position", "sa_type"]


@admin.register(models.DeferredChargeType)
class DeferredChargeTypeAdmin(admin.ModelAdmin):
    """Setup > Deferred Charge (seed 004): the items in their apply order; each item's
    service apply order below it. The signup type is fixed once saved."""

    list_display = [
        "apply_order",
        "code",
        "description",
        "signup_type",
        "trigger",
        "fixed_amount",
        "percentage",
        "round_up_multiple",
        "calculation",
        "never_exceed",
        "gl_account",
        "is_active",
    ]
    list_display_links = ["code"]
    list_editable = ["apply_order"]
    list_filter = ["is_active", "signup_type", "trigger"]
    search_fields = ["code", "description"]
    inlines = [DeferredChargeServiceOrderInline]

    def get_readonly_fields(self, request, obj=None):
        return ["signup_type"] if obj is not None else []


@admin.register(models.DeferredCharge)
class DeferredChargeAdmin(PrivateHiddenAdmin, ReadOnlyAdmin):
    private_via = "payment__account__customer"
    list_display = ["payment", "charge_type", "amount", "funded", "basis", "cancelled_at"]
    list_filter = ["charge_type"]
    list_select_related = ["payment", "charge_type"]
    raw_id_fields = ["payment"]
