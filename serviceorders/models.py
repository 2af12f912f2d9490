"""Service orders: field work on a location for an account (issue 11, seed 000 "Automate/
Provision Reconnect SO with Payments", seed 004 Service Orders tab; DESIGN §5, §7).

open        created by a user, a job or a payment (auto-reconnect)
dispatched  handed to the field crew
completed   done in the field; a disconnect shuts the account off, a reconnect connects it
cancelled   not needed any more (with a reason), from open or dispatched
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, FSMModelMixin, transition
from django_fsm_log.decorators import fsm_log_by

from accounts.models import Account, Location
from accounts.models.config import CodeTable
from cis.money import ZERO, money_field


class ServiceOrderKind(models.TextChoices):
    DISCONNECT = "disconnect", "Disconnect for non-pay"
    RECONNECT = "reconnect", "Reconnect"
    CONNECT = "connect", "Connect"
    METER_READ = "meter_read", "Meter read"
    OTHER = "other", "Other"


class ServiceOrderType(CodeTable):
    """What the crew does (DISCNP, RECON, CONNECT, METERREAD, OTHER)."""

    kind = models.CharField(max_length=12, choices=ServiceOrderKind.choices)

    class Meta(CodeTable.Meta):
        pass


class ServiceOrderClass(CodeTable):
    """A utility's grouping of orders (seed 000: the "Service Order Class for reconnects")."""

    class Meta(CodeTable.Meta):
        verbose_name_plural = "service order classes"


class TierStatus(CodeTable):
    """Seed 000 Maintenance | Service Order | Tier Status: only disconnects with a tier
    status flagged "Eligible for Auto-Reconnects" are reconnected by a payment."""

    is_auto_reconnect_eligible = models.BooleanField(
        "Eligible for Auto-Reconnects",
        default=False,
        help_text="A payment on an account disconnected with this tier status creates a "
        "reconnect order by itself.",
    )

    class Meta(CodeTable.Meta):
        verbose_name_plural = "tier statuses"


class ServiceOrder(FSMModelMixin, models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DISPATCHED = "dispatched", "Dispatched"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    class Origin(models.TextChoices):
        USER = "user", "User"
        JOB = "job", "Batch job"
        PAYMENT = "payment", "Payment"

    INCOMPLETE = (Status.OPEN, Status.DISPATCHED)

    # "SO-000123", assigned from the pk by the create service.
    number = models.CharField(max_length=20, unique=True)
    type = models.ForeignKey(ServiceOrderType, on_delete=models.PROTECT, related_name="+")
    # Copied from the type so the one-open-reconnect constraint can name it.
    kind = models.CharField(max_length=12, choices=ServiceOrderKind.choices, editable=False)
    order_class = models.ForeignKey(
        ServiceOrderClass,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="class",
    )
    tier_status = models.ForeignKey(
        TierStatus, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = FSMField(choices=Status.choices, default=Status.OPEN, protected=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="service_orders")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="service_orders")
    effective_date = models.DateField()
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.USER)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source_payment = models.ForeignKey(
        "payments.Payment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    notes = models.TextField(blank=True, default="")
    dispatched_at = models.DateTimeField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancel_reason = models.TextField(blank=True, default="")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-effective_date", "-pk"]
        indexes = [
            models.Index(fields=["account", "kind", "status"], name="so_account_kind_status"),
            models.Index(fields=["status", "effective_date"], name="so_status_effective"),
        ]
        constraints = [
            # Never two open reconnect orders for one account (issue 11 item 4).
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(kind="reconnect", status__in=["open", "dispatched"]),
                name="one_open_reconnect_per_account",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""),
                name="cancelled_order_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_on__isnull=False),
                name="completed_order_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.type.code} {self.get_status_display()}"

    @property
    def is_incomplete(self) -> bool:
        return self.status in self.INCOMPLETE

    @fsm_log_by
    @transition(field=status, source=Status.OPEN, target=Status.DISPATCHED)
    def dispatch(self, by=None) -> None:
        """Handed to the field crew."""

    @fsm_log_by
    @transition(field=status, source=[Status.OPEN, Status.DISPATCHED], target=Status.COMPLETED)
    def complete(self, by=None) -> None:
        """Done in the field; the service sets the account's service status."""

    @fsm_log_by
    @transition(field=status, source=[Status.OPEN, Status.DISPATCHED], target=Status.CANCELLED)
    def cancel(self, by=None) -> None:
        """Not needed any more; `cancel_reason` says why."""


class ReconnectOptions(models.Model):
    """Seed 000 Tools | Options | Auto-Reconnects: one row, edited by Administrators."""

    class Rule(models.TextChoices):
        PAST_DUE = "past_due", "The past-due amount is paid"
        FULL_BALANCE = "full_balance", "The full balance is paid"
        MINIMUM = "minimum", "The payment is at least a minimum amount"

    reconnect_class = models.ForeignKey(
        ServiceOrderClass,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="Service Order Class for reconnects",
    )
    rule = models.CharField(max_length=12, choices=Rule.choices, default=Rule.PAST_DUE)
    minimum_amount = money_field(
        default=ZERO, help_text="With the minimum rule: the least a payment must be."
    )
    ach_hold_days = models.PositiveSmallIntegerField(
        "ACH / eCheck hold days",
        default=0,
        help_text="Days an ACH / eCheck payment is held before it reconnects.",
    )
    cancel_pending_disconnects = models.BooleanField(
        default=True,
        help_text="A payment that cures the delinquency cancels an open, not yet dispatched "
        "disconnect order.",
    )
    is_enabled = models.BooleanField("Auto-reconnect enabled", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "reconnect options"
        verbose_name_plural = "reconnect options"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="reconnect_options_singleton")
        ]

    def __str__(self) -> str:
        return "Auto-reconnect options"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "ReconnectOptions":
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj


class ReconnectDecision(models.Model):
    """Why a disconnected account that paid was or was not reconnected (issue 11 item 4)."""

    class Reason(models.TextChoices):
        RECONNECTED = "reconnected", "Reconnect order created"
        NOT_SHUT_OFF = "not_shut_off", "Account is not shut off"
        NO_DISCONNECT_ORDER = "no_disconnect_order", "No completed disconnect order"
        TIER_NOT_ELIGIBLE = "tier_not_eligible", "Tier status not eligible for auto-reconnects"
        RULE_NOT_MET = "rule_not_met", "Reconnect rule not met"
        HELD = "held", "ACH / eCheck payment held"
        OPEN_RECONNECT_EXISTS = "open_reconnect_exists", "An open reconnect order exists"
        DISABLED = "disabled", "Auto-reconnect is off"
        PAYMENT_CANCELLED = "payment_cancelled", "Payment cancelled before the hold ended"

    payment = models.ForeignKey("payments.Payment", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    reconnected = models.BooleanField(default=False)
    reason = models.CharField(max_length=24, choices=Reason.choices)
    reason_text = models.CharField(max_length=200, blank=True, default="")
    held_until = models.DateField(null=True, blank=True)
    order = models.ForeignKey(
        ServiceOrder, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    payment_at = models.DateTimeField(help_text="When the payment was frozen.")
    decided_at = models.DateTimeField()
    seconds_to_order = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        indexes = [models.Index(fields=["decided_at"], name="reconnect_decision_decided")]
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "account"], name="one_reconnect_decision_per_payment"
            )
        ]

    def __str__(self) -> str:
        return f"Payment {self.payment_id} account {self.account_id}: {self.reason}"
