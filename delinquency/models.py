"""Delinquency (README "Delinquency"): collection policy, late notices, penalties, the No
Penalty option, payment arrangements, medical certificates, weather moratoriums, disputes,
alerts and shut-off eligibility.

Every decision the nightly jobs make is stored per account and date (a notice, a penalty
decision, a shut-off evaluation) with its reason, so the account's screen can say why.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import (
    Account,
    AdjustmentType,
    Bill,
    Customer,
    FinancialTransaction,
    RevenueClass,
    ServiceAgreement,
)
from cis.money import ZERO, money_field


class DelinquencyPolicy(models.Model):
    """The collection rules for a customer type and / or revenue class from a date on.

    The policy of an account on a date is the latest effective one that matches it, the
    most specific first: type and class, then class only, then type only, then the default
    (both blank). `delinquency.selectors.policy_for` resolves it.
    """

    class PenaltyKind(models.TextChoices):
        FIXED = "fixed", "Fixed amount"
        PERCENT = "percent", "Percent of past due"

    customer_type = models.CharField(
        max_length=20, choices=Customer.Type.choices, blank=True, help_text="Blank: any type."
    )
    revenue_class = models.ForeignKey(
        RevenueClass,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Blank: any class.",
    )
    effective_on = models.DateField()
    # Late notice
    notice_days_after_due = models.PositiveSmallIntegerField(
        default=5, help_text="Days after the due date before a late notice goes out."
    )
    minimum_past_due = money_field(
        default=Decimal("10.00"), help_text="Below this past-due amount: no notice, no penalty."
    )
    # Penalty
    penalty_kind = models.CharField(
        max_length=10, choices=PenaltyKind.choices, default=PenaltyKind.PERCENT
    )
    penalty_fixed = money_field(default=ZERO)
    penalty_percent = models.DecimalField(
        max_digits=6, decimal_places=3, default=Decimal("1.500"), help_text="Percent of past due."
    )
    penalty_minimum = money_field(default=ZERO)
    penalty_maximum = money_field(null=True, blank=True, help_text="Per charge; blank: none.")
    penalty_cap = money_field(
        null=True,
        blank=True,
        help_text="Never exceed: the late charges of the last 12 months stay at or below it.",
    )
    penalty_adjustment_type = models.ForeignKey(
        AdjustmentType,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The late charge adjustment; its offset GL is the penalty revenue.",
    )
    penalty_days_after_due = models.PositiveSmallIntegerField(
        default=20, help_text="Days after the due date before a late charge."
    )
    kept_arrangement_exempts_penalty = models.BooleanField(default=True)
    # Arrangements
    broken_arrangement_grace_days = models.PositiveSmallIntegerField(
        default=5, help_text="Days after an installment's due date before it is broken."
    )
    broken_arrangement_points = models.IntegerField(
        default=-50, help_text="Credit rating points of a broken arrangement."
    )
    broken_arrangement_points_months = models.PositiveSmallIntegerField(
        default=12, help_text="Months before a broken arrangement's points expire."
    )
    # Shut-off
    shutoff_days_past_due = models.PositiveSmallIntegerField(
        default=45, help_text="Days past due before an account may be shut off."
    )
    shutoff_minimum_past_due = money_field(default=Decimal("50.00"))
    shutoff_notice_business_days = models.PositiveSmallIntegerField(
        default=10, help_text="A late notice at least this many business days before."
    )
    # Write-offs (README "Write-offs")
    writeoff_days_after_final = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Days after the last service stopped before the nightly job writes a final "
        "balance off; blank: never automatically.",
    )
    writeoff_refers_to_collections = models.BooleanField(
        default=True, help_text="The nightly job's write-offs are referred to collections."
    )

    class Meta:
        ordering = ["-effective_on", "pk"]
        verbose_name_plural = "delinquency policies"
        constraints = [
            models.UniqueConstraint(
                fields=["customer_type", "revenue_class", "effective_on"],
                name="one_policy_per_scope_and_date",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        scope = " / ".join(
            s
            for s in (
                self.get_customer_type_display() if self.customer_type else "",
                str(self.revenue_class or ""),
            )
            if s
        )
        return f"{scope or 'Default'} from {self.effective_on}"


class CreditAttributes(models.Model):
    """The account's collection attributes a Supervisor sets on the panel (seed 000: No
    Penalty for delinquents). Changes are written to the account's change history."""

    account = models.OneToOneField(
        Account, on_delete=models.CASCADE, primary_key=True, related_name="credit_attributes"
    )
    no_penalty = models.BooleanField(default=False)
    no_penalty_expires_on = models.DateField(
        null=True, blank=True, help_text="Last day without penalties; blank: until cleared."
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "credit attributes"
        permissions = [
            ("change_no_penalty", "Can set No Penalty on an account"),
            # The Reports menu: declared here so a flush or a new database recreates it.
            ("view_reports", "Can view delinquency reports"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(no_penalty=True) | Q(no_penalty_expires_on__isnull=True),
                name="no_penalty_expiry_only_when_set",
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id} no penalty={self.no_penalty}"

    def no_penalty_active(self, on) -> bool:
        return self.no_penalty and (
            self.no_penalty_expires_on is None or self.no_penalty_expires_on >= on
        )


class LateNotice(models.Model):
    """A late notice sent for an account's past-due amount (PDF; email or print run)."""

    class Delivery(models.TextChoices):
        EMAIL = "email", "Email"
        PRINT = "print", "Print run"

    class EmailStatus(models.TextChoices):
        NONE = "none", "No email copy"
        PENDING = "pending", "To send"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="late_notices")
    # The oldest past-due bill the notice is about: one notice per bill.
    bill = models.ForeignKey(
        Bill, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notice_date = models.DateField()
    past_due = money_field()
    pay_by = models.DateField()
    delivery = models.CharField(max_length=10, choices=Delivery.choices)
    # Where copies went: [{"name": ..., "to": email or address, "delivery": ...}]
    recipients = models.JSONField(default=list, blank=True)
    batch_run = models.ForeignKey(
        "cis.BatchRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The email copies (customer and / or contacts): sent by the `late_notice_delivery`
    # job, apart from the notice run so 100,000 notices are not 100,000 PDFs in it.
    email_status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.NONE
    )
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-notice_date", "-pk"]
        indexes = [
            models.Index(fields=["account", "notice_date"]),
            models.Index(
                fields=["notice_date"], condition=Q(email_status="pending"), name="notice_email_due"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "bill"],
                condition=Q(bill__isnull=False),
                name="one_notice_per_bill",
            ),
            models.UniqueConstraint(fields=["account", "notice_date"], name="one_notice_per_day"),
        ]

    def __str__(self) -> str:
        return f"Notice {self.account_id} {self.notice_date} {self.past_due}"


class PenaltyDecision(models.Model):
    """What the penalty job decided for a past-due account on a date: charged or skipped,
    and why. The unique (account, date) is what keeps a re-run from charging twice."""

    class Outcome(models.TextChoices):
        CHARGED = "charged", "Charged"
        SKIPPED = "skipped", "Skipped"

    class Reason(models.TextChoices):
        CHARGED = "charged", "Late charge"
        NO_PENALTY = "no_penalty", "No Penalty is set"
        GRACE = "grace", "Grace date on a note"
        SPECIAL_CONDITION = "special_condition", "Special condition exempts penalties"
        BANKRUPT = "bankrupt", "Customer is bankrupt"
        ARRANGEMENT = "arrangement", "Kept payment arrangement"
        BELOW_MINIMUM = "below_minimum", "Past due below the policy minimum"
        CAP = "cap", "Late charges reached the policy cap"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="penalty_decisions")
    as_of = models.DateField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    detail = models.CharField(max_length=200, blank=True)
    past_due = money_field()
    # The bill the late charge is for: one charge per bill (the latest bill at least
    # penalty_days_after_due late while the account is past due).
    bill = models.ForeignKey(
        Bill, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = money_field(default=ZERO)
    adjustment = models.OneToOneField(
        "accounts.Adjustment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    policy = models.ForeignKey(
        DelinquencyPolicy, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    batch_run = models.ForeignKey(
        "cis.BatchRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-as_of", "-pk"]
        indexes = [models.Index(fields=["as_of", "reason"])]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "as_of"], name="one_penalty_decision_per_day"
            ),
            models.UniqueConstraint(
                fields=["account", "bill"],
                condition=Q(outcome="charged", bill__isnull=False),
                name="one_late_charge_per_bill",
            ),
            models.CheckConstraint(
                condition=Q(outcome="charged", amount__gt=0)
                | Q(outcome="skipped", amount=0, adjustment__isnull=True),
                name="penalty_amount_matches_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.as_of} {self.outcome} {self.reason} {self.amount}"


class Arrangement(models.Model):
    """A payment arrangement (seed 004, Arrangements tab): part of the balance paid in
    installments. One active arrangement per account."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        KEPT = "kept", "Kept"  # every installment paid
        BROKEN = "broken", "Broken"
        CANCELLED = "cancelled", "Cancelled"

    class Frequency(models.TextChoices):
        WITH_BILLING = "billing", "Due with regular billing"
        WEEKLY = "weekly", "Weekly"
        BIWEEKLY = "biweekly", "Every two weeks"
        MONTHLY = "monthly", "Monthly"

    number = models.CharField(max_length=20, unique=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="arrangements")
    # seed 004 wizard Setup: "the text that will appear in the summary window and reports"
    description = models.CharField(max_length=120, blank=True)
    sas = models.ManyToManyField(ServiceAgreement, related_name="+", blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    balance_at_setup = money_field()
    amount = money_field(help_text="The part of the balance the arrangement covers.")
    installments_count = models.PositiveSmallIntegerField()
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    start_on = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    ended_on = models.DateField(null=True, blank=True)
    ended_reason = models.CharField(max_length=200, blank=True)
    # A broken arrangement protects until here (policy grace), then not at all.
    protects_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"], condition=Q(status="active"), name="one_active_arrangement"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="arrangement_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount__lte=models.F("balance_at_setup")),
                name="arrangement_not_above_balance",
            ),
            models.CheckConstraint(
                condition=Q(installments_count__gte=1), name="arrangement_has_installments"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class ArrangementInstallment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        KEPT = "kept", "Kept"
        BROKEN = "broken", "Broken"
        CANCELLED = "cancelled", "Cancelled"

    arrangement = models.ForeignKey(
        Arrangement, on_delete=models.CASCADE, related_name="installments"
    )
    sequence = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    amount = money_field()
    paid_amount = money_field(default=ZERO)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reviewed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["arrangement", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["arrangement", "sequence"], name="one_installment_per_sequence"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="installment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.arrangement_id}#{self.sequence} {self.due_on} {self.amount}"


class MedicalCertificate(models.Model):
    """A physician's certificate that a household member's health needs service: protects
    the account from shut-off while valid. Renewals per year are capped (settings)."""

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="medical_certificates"
    )
    certified_on = models.DateField()
    expires_on = models.DateField()
    certifier = models.CharField(max_length=120, help_text="Physician or agency.")
    renews = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="renewals"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-expires_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gte=models.F("certified_on")),
                name="certificate_expires_after_certified",
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.certified_on}..{self.expires_on}"


class ServiceTerritory(models.Model):
    """Where a weather moratorium applies: locations whose postal code starts with one of
    `postal_prefixes` (or whose city is in `cities`)."""

    code = models.CharField(max_length=20, unique=True)
    description = models.CharField(max_length=120)
    postal_prefixes = models.JSONField(default=list, blank=True)
    cities = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "service territories"

    def __str__(self) -> str:
        return self.code


class MoratoriumDay(models.Model):
    """A day no shut-off happens because of the weather (hot or cold), in a territory or,
    with none, everywhere."""

    class Kind(models.TextChoices):
        HOT = "hot", "Hot"
        COLD = "cold", "Cold"
        OTHER = "other", "Other"

    territory = models.ForeignKey(
        ServiceTerritory, null=True, blank=True, on_delete=models.CASCADE, related_name="days"
    )
    day = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "day"], name="one_moratorium_per_day", nulls_distinct=False
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.territory or 'all'}"


class BillDispute(models.Model):
    """A customer disputes a bill: the account can't be shut off while it is open."""

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="bill_disputes")
    opened_on = models.DateField()
    resolved_on = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-opened_on", "-pk"]

    def __str__(self) -> str:
        return f"Dispute {self.bill_id} {self.opened_on}"


class ShutoffEvaluation(models.Model):
    """The shut-off job's verdict on an account for a date, with every rule it checked:
    `checks` = [{"rule": "past_due", "passed": true, "detail": "..."}, ...]."""

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="shutoff_evaluations"
    )
    as_of = models.DateField()
    is_eligible = models.BooleanField()
    reason = models.CharField(
        max_length=200, help_text="The first rule that blocked, or why eligible."
    )
    checks = models.JSONField(default=list)
    past_due = money_field()
    service_order = models.ForeignKey(
        "serviceorders.ServiceOrder",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    batch_run = models.ForeignKey(
        "cis.BatchRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-as_of", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "as_of"], name="one_shutoff_evaluation_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.as_of} eligible={self.is_eligible}"


class AlertType(models.Model):
    """An alert the panel banner and payment entry show while its condition holds (seed
    000: "Alerts window ... for both Inquiry and Payments"). The conditions are built in
    (`code`); the admin chooses which show, where, and their text."""

    class Code(models.TextChoices):
        NO_PENALTY = "no_penalty", "No Penalty"
        CASH_ONLY = "cash_only", "Cash only"
        BANKRUPT = "bankrupt", "Bankruptcy"
        ARRANGEMENT = "arrangement", "Active arrangement"
        SHUTOFF_PENDING = "shutoff_pending", "Shut-off pending"
        MEDICAL = "medical", "Medical certificate"

    code = models.CharField(max_length=20, choices=Code.choices, unique=True)
    text = models.CharField(max_length=200, help_text="Shown to the CSR; {until} is the end date.")
    on_panel = models.BooleanField(default=True)
    on_payment = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.get_code_display()


class WriteOff(models.Model):
    """An uncollectible final balance written off (seed 003 step 2.5 / 3.3): a credit FT on
    every SA that owed, offset to bad debt expense. A later payment on the account reinstates
    and pays the debt as far as it goes (`recovered`, WriteOffRecovery)."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="write_offs")
    written_off_on = models.DateField()
    amount = money_field()
    recovered = money_field(default=ZERO)
    reason = models.CharField(max_length=200)
    refer_to_collections = models.BooleanField(default=False)
    referred_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    batch_run = models.ForeignKey(
        "cis.BatchRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-written_off_on", "-pk"]
        permissions = [("write_off_account", "Can write off an uncollectible balance")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="write_off_positive"),
            models.CheckConstraint(
                condition=Q(recovered__gte=0) & Q(recovered__lte=models.F("amount")),
                name="write_off_recovered_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(refer_to_collections=True) | Q(referred_on__isnull=True),
                name="write_off_referral_date_only_when_referred",
            ),
        ]

    def __str__(self) -> str:
        return f"Write-off {self.pk} {self.account_id} {self.amount}"

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.recovered


class WriteOffLine(models.Model):
    """What one SA had written off, and how much of it payments have recovered."""

    write_off = models.ForeignKey(WriteOff, on_delete=models.CASCADE, related_name="lines")
    sa = models.ForeignKey(ServiceAgreement, on_delete=models.PROTECT, related_name="+")
    amount = money_field()
    recovered = money_field(default=ZERO)
    ft = models.OneToOneField(FinancialTransaction, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["write_off", "sa"]
        constraints = [
            models.UniqueConstraint(fields=["write_off", "sa"], name="one_write_off_line_per_sa"),
            models.CheckConstraint(
                condition=Q(recovered__gte=0) & Q(recovered__lte=models.F("amount")),
                name="write_off_line_recovered_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"Write-off {self.write_off_id} SA {self.sa_id} {self.amount}"

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.recovered


class WriteOffRecovery(models.Model):
    """A payment applied to a write-off (seed 003 step 3.3): at most once per payment and
    write-off; `cancelled_at` set when the payment was cancelled and the recovery reversed."""

    write_off = models.ForeignKey(WriteOff, on_delete=models.PROTECT, related_name="recoveries")
    payment = models.ForeignKey("payments.Payment", on_delete=models.PROTECT, related_name="+")
    amount = money_field()
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # {write-off line id: amount} and the FTs posted (reinstatements and credit moves).
    line_amounts = models.JSONField(default=dict)
    fts = models.ManyToManyField(FinancialTransaction, related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "write-off recoveries"
        constraints = [
            models.UniqueConstraint(
                fields=["write_off", "payment"], name="one_recovery_per_payment"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="write_off_recovery_positive"),
        ]

    def __str__(self) -> str:
        return f"Recovery {self.payment_id} -> {self.write_off_id} {self.amount}"
