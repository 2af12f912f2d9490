"""Configuration tables are edited here; ledger rows are read-only (post through services)."""

from django.contrib import admin

from . import models
from .selectors import rows_visible


class PrivateHiddenAdmin(admin.ModelAdmin):
    """Rows of private customers are left out of lists, searches, change forms and raw-id
    pickers for staff without `view_private_account` (issue 7 item 12: the Supervisor is
    staff, private customers are the Administrator's), by the rule the panel and the API
    use. `private_via`: the lookups from the model to its customer."""

    private_via: str | tuple[str, ...] = "account__customer"

    def get_queryset(self, request):
        return rows_visible(super().get_queryset(request), user=request.user, via=self.private_via)


@admin.register(
    models.GLAccount,
    models.RevenueClass,
    models.BillCycle,
    models.NoteType,
)
class CodeTableAdmin(admin.ModelAdmin):
    list_display = ["code", "description", "is_active"]
    search_fields = ["code", "description"]
    list_filter = ["is_active"]


@admin.register(models.AccountStatusCode)
class AccountStatusCodeAdmin(CodeTableAdmin):
    # seed 004: the built-in statuses Current and Shutoff can't be edited or deleted.
    BUILT_IN = {"CURRENT", "SHUTOFF"}

    def has_change_permission(self, request, obj=None):
        builtin = obj is not None and obj.code in self.BUILT_IN
        return not builtin and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        builtin = obj is not None and obj.code in self.BUILT_IN
        return not builtin and super().has_delete_permission(request, obj)


@admin.register(models.SAType)
class SATypeAdmin(CodeTableAdmin):
    list_display = [
        "code",
        "description",
        "payment_priority",
        "is_overpayment_eligible",
        "is_deposit",
        "is_excess_credit",
        "receivable_gl",
        "revenue_gl",
    ]


@admin.register(models.AdjustmentType)
class AdjustmentTypeAdmin(CodeTableAdmin):
    list_display = ["code", "description", "offset_gl", "is_nsf_charge", "is_penalty", "is_active"]


@admin.register(models.SpecialConditionType)
class SpecialConditionTypeAdmin(CodeTableAdmin):
    list_display = ["code", "description", "icon", "is_active"]


@admin.register(models.RecurringItemType)
class RecurringItemTypeAdmin(CodeTableAdmin):
    """seed 004 "Setup > Recurring Items": what an item is worth and the GL it posts to."""

    list_display = ["code", "description", "kind", "amount", "percent", "adjustment_type"]


@admin.register(models.ToDoType)
class ToDoTypeAdmin(CodeTableAdmin):
    list_display = ["code", "description", "role", "priority", "is_active"]


class AddressInline(admin.TabularInline):
    model = models.CustomerAddress
    extra = 0


class PhoneInline(admin.TabularInline):
    model = models.CustomerPhone
    extra = 0


class EmailInline(admin.TabularInline):
    model = models.CustomerEmail
    extra = 0


@admin.register(models.Customer)
class CustomerAdmin(PrivateHiddenAdmin):
    private_via = ""
    list_display = ["number", "display_name", "customer_type", "is_active", "is_public"]
    search_fields = ["number", "last_name", "first_name", "business_name", "alternate_id"]
    list_filter = ["customer_type", "is_active", "is_public", "is_bankrupt"]
    exclude = ["ssn", "drivers_license"]  # revealed only through the audited panel action
    inlines = [AddressInline, PhoneInline, EmailInline]


@admin.register(models.Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["number", "line1", "city", "revenue_class", "cycle", "route", "is_rental"]
    search_fields = ["number", "line1", "parcel", "alternate_id"]
    list_filter = ["revenue_class", "cycle", "is_rental"]
    raw_id_fields = ["owner"]


class SAInline(admin.TabularInline):
    model = models.ServiceAgreement
    extra = 0
    readonly_fields = ["balance"]


@admin.register(models.Account)
class AccountAdmin(PrivateHiddenAdmin):
    private_via = "customer"
    list_display = [
        "number",
        "customer",
        "location",
        "activity_status",
        "service_status",
        "balance",
    ]
    search_fields = ["number", "customer__last_name", "customer__business_name"]
    list_filter = ["activity_status", "service_status", "is_suspense"]
    raw_id_fields = ["customer", "location"]
    readonly_fields = ["balance"]
    inlines = [SAInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class GLLineInline(admin.TabularInline):
    model = models.GLLine
    extra = 0
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.FinancialTransaction)
class FinancialTransactionAdmin(PrivateHiddenAdmin, ReadOnlyAdmin):
    list_display = [
        "pk",
        "account",
        "sa",
        "kind",
        "current_amount",
        "accounting_date",
        "arrears_date",
        "is_frozen",
    ]
    list_filter = ["kind", "is_frozen"]
    search_fields = ["account__number"]
    inlines = [GLLineInline]
    list_select_related = ["account", "sa__sa_type", "sa__account"]


@admin.register(models.Bill)
class BillAdmin(PrivateHiddenAdmin, ReadOnlyAdmin):
    list_display = ["pk", "account", "bill_date", "due_date", "status", "total"]
    list_filter = ["status"]
    search_fields = ["account__number"]


@admin.register(models.Adjustment)
class AdjustmentAdmin(PrivateHiddenAdmin, ReadOnlyAdmin):
    private_via = "sa__account__customer"
    list_display = ["pk", "sa", "adjustment_type", "amount", "status", "created_at"]
    list_filter = ["status", "adjustment_type"]


@admin.register(models.DepositInterestRate)
class DepositInterestRateAdmin(admin.ModelAdmin):
    """The annual rate paid on deposits held (issue 13 item 3), by effective date."""

    list_display = ["effective_on", "annual_rate", "description"]


@admin.register(models.DepositInterest)
class DepositInterestAdmin(PrivateHiddenAdmin, ReadOnlyAdmin):
    private_via = "sa__account__customer"
    list_display = ["sa", "period_start", "period_end", "principal", "annual_rate", "amount"]
    list_filter = ["period_end"]


@admin.register(models.DepositApplication)
class DepositApplicationAdmin(PrivateHiddenAdmin, ReadOnlyAdmin):
    list_display = ["account", "bill", "held", "applied", "refund_due", "created_at"]
    search_fields = ["account__number"]


@admin.register(models.ToDoEntry)
class ToDoEntryAdmin(PrivateHiddenAdmin):
    list_display = ["subject", "todo_type", "account", "status", "assigned_to", "created_at"]
    list_filter = ["status", "todo_type"]
    raw_id_fields = ["account"]


@admin.register(models.CreditRatingEvent)
class CreditRatingEventAdmin(PrivateHiddenAdmin):
    pass


# Panel configuration (seed 004 "Setup" menus).
class UDCValueInline(admin.TabularInline):
    model = models.UDCValue
    extra = 0


@admin.register(models.UDCCaption)
class UDCCaptionAdmin(CodeTableAdmin):
    list_display = ["code", "description", "applies_to", "is_active"]
    inlines = [UDCValueInline]


@admin.register(models.DocumentType)
class DocumentTypeAdmin(CodeTableAdmin):
    list_display = ["code", "description", "is_secure", "is_active"]


@admin.register(models.CustomField)
class CustomFieldAdmin(CodeTableAdmin):
    list_display = ["code", "description", "applies_to", "kind", "is_required", "position"]


@admin.register(models.ContactType)
class ContactTypeAdmin(CodeTableAdmin):
    list_display = ["code", "description", "applies_to", "is_system", "is_active"]

    def has_change_permission(self, request, obj=None):
        # seed 004: built-in contact types can't be edited or deleted.
        return not (obj and obj.is_system) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.is_system) and super().has_delete_permission(request, obj)


@admin.register(models.ChangeRecord)
class ChangeRecordAdmin(PrivateHiddenAdmin, ReadOnlyAdmin):
    """The change history is evidence: nobody edits it, not even an administrator."""

    private_via = ("customer", "account__customer")

    list_display = ["changed_at", "object_repr", "action", "field", "user"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "field"]
    raw_id_fields = ["customer", "location", "account"]
