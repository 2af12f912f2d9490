"""Deposit and tender controls: the cash drawer and the bank deposit that hold tenders
(seed 003 steps 5.6, 5.7, 6.1-6.6; DESIGN §5: open -> balancing -> balanced)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, FSMModelMixin, transition
from django_fsm_log.decorators import fsm_log_by

from cis.money import money_field

from .config import PaymentCancelReason, TenderSource


class ControlStatus(models.TextChoices):
    OPEN = "open", "Open"
    BALANCING = "balancing", "Balancing"
    BALANCED = "balanced", "Balanced"


class DepositControl(FSMModelMixin, models.Model):
    """One bank deposit: the tender controls of a day (or of one upload file)."""

    deposit_date = models.DateField()
    description = models.CharField(max_length=120, blank=True)
    # What the deposit slip (or the upload file header) says it holds; balancing checks
    # the tender controls against these (seed 003 step 6.1).
    expected_count = models.PositiveIntegerField(null=True, blank=True)
    expected_total = money_field(null=True, blank=True)
    status = FSMField(choices=ControlStatus.choices, default=ControlStatus.OPEN, protected=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    balanced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-deposit_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="balanced") | Q(balanced_at__isnull=False),
                name="balanced_deposit_has_balanced_at",
            )
        ]

    def __str__(self) -> str:
        return f"Deposit {self.pk} {self.deposit_date} ({self.status})"

    @fsm_log_by
    @transition(field=status, source=ControlStatus.OPEN, target=ControlStatus.BALANCING)
    def start_balancing(self, by=None) -> None:
        """No more tender controls; totals are being checked."""

    @fsm_log_by
    @transition(field=status, source=ControlStatus.BALANCING, target=ControlStatus.BALANCED)
    def balance(self, by=None) -> None:
        """Counts and totals agree."""

    @fsm_log_by
    @transition(field=status, source=ControlStatus.BALANCING, target=ControlStatus.OPEN)
    def reopen(self, by=None) -> None:
        """Totals did not agree: back to open for corrections."""


class TenderControl(FSMModelMixin, models.Model):
    """One cashier's drawer (or one remittance batch) inside a deposit."""

    deposit_control = models.ForeignKey(
        DepositControl, on_delete=models.PROTECT, related_name="tender_controls"
    )
    tender_source = models.ForeignKey(TenderSource, on_delete=models.PROTECT)
    cashier = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expected_count = models.PositiveIntegerField(null=True, blank=True)
    expected_total = money_field(null=True, blank=True)
    status = FSMField(choices=ControlStatus.choices, default=ControlStatus.OPEN, protected=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    balanced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="balanced") | Q(balanced_at__isnull=False),
                name="balanced_tender_control_has_balanced_at",
            )
        ]

    def __str__(self) -> str:
        return f"Tender control {self.pk} {self.tender_source.code} ({self.status})"

    @fsm_log_by
    @transition(field=status, source=ControlStatus.OPEN, target=ControlStatus.BALANCING)
    def start_balancing(self, by=None) -> None:
        """The drawer is closed: no more tenders."""

    @fsm_log_by
    @transition(field=status, source=ControlStatus.BALANCING, target=ControlStatus.BALANCED)
    def balance(self, by=None) -> None:
        """Counts and totals agree."""

    @fsm_log_by
    @transition(field=status, source=ControlStatus.BALANCING, target=ControlStatus.OPEN)
    def reopen(self, by=None) -> None:
        """Totals did not agree: back to open for corrections."""


class ControlAdjustment(models.Model):
    """A tender cancelled after its tender control balanced (e.g. a check returned NSF
    days later). A balanced control's counts and totals are final (seed 003 steps
    6.4-6.6, 7.3): the control keeps its figures as balanced and the cancellation is its
    own row against the deposit, where finance sees it. `check_ledger` checks that a
    balanced control's figures equal its valid tenders plus these adjustments."""

    tender_control = models.ForeignKey(
        TenderControl, on_delete=models.PROTECT, related_name="adjustments"
    )
    tender = models.OneToOneField(
        "payments.Tender", on_delete=models.PROTECT, related_name="control_adjustment"
    )
    # What the deposit changes by: minus the cancelled tender's amount.
    amount = money_field()
    reason = models.ForeignKey(
        PaymentCancelReason, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="control_adjustment_not_zero")
        ]

    def __str__(self) -> str:
        return f"Control adjustment {self.pk}: tender {self.tender_id} {self.amount}"
