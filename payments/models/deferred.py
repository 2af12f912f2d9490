"""Deferred charges (seed 004, Customer tab > Deferred Charges; Setup > Deferred Charge):
items that reach the account only when a payment freezes, such as a charitable round-up
donation. A customer takes part in an opt-in item only after saying yes, in an opt-out item
until saying no; the charge is computed and posted at payment freeze (services/deferred.py).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from accounts.models import Customer, FinancialTransaction, GLAccount, SAType
from cis.money import money_field


class DeferredChargeType(models.Model):
    """Setup > Deferred Charge: one item, its trigger, how its amount is computed and
    where it posts."""

    class Signup(models.TextChoices):
        OPT_IN = "opt_in", "Opt-in"
        OPT_OUT = "opt_out", "Opt-out"

    class Trigger(models.TextChoices):
        # Absorbs an overpayment: never charged beyond the money the payment left over.
        OVERPAYMENT = "overpayment", "Overpayment"
        # Charged with every payment, funded or not: it can raise the balance (seed 004).
        PAYMENT = "payment", "Payment"

    class Calculation(models.TextChoices):
        MAXIMUM = "max", "Maximum of checked"
        MINIMUM = "min", "Minimum of checked"
        SUM = "sum", "Sum of checked"

    code = models.CharField(max_length=6, unique=True)
    description = models.CharField(max_length=120)
    is_active = models.BooleanField(default=True)
    signup_type = models.CharField(
        max_length=10,
        choices=Signup.choices,
        help_text="Cannot be changed once saved. Opt-out items apply to every customer "
        "who has not declined them.",
    )
    trigger = models.CharField(max_length=12, choices=Trigger.choices)
    # The amount methods ("checked" when filled in).
    fixed_amount = money_field(null=True, blank=True, help_text="Fixed dollar amount.")
    percentage = models.DecimalField(
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Percent of the statement amount (what the account owed when the payment came).",
    )
    round_up_multiple = money_field(
        null=True,
        blank=True,
        help_text="Round the statement amount up to the next multiple of this (1.00: the "
        "next whole dollar).",
    )
    calculation = models.CharField(
        max_length=3, choices=Calculation.choices, default=Calculation.MAXIMUM
    )
    never_exceed = money_field(
        null=True, blank=True, help_text="Never let the charge exceed this amount."
    )
    gl_account = models.ForeignKey(
        GLAccount,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Offset of the charge (e.g. 2400 Charitable donations payable).",
    )
    use_company_payoff_order = models.BooleanField(
        default=True,
        help_text="Charge the account's highest payment-priority active SA; unchecked: the "
        "first SA of the service apply order below.",
    )
    apply_order = models.PositiveIntegerField(
        default=10, help_text="Items apply to a payment in this order, lowest first."
    )
    effective_from = models.DateField(null=True, blank=True)
    effective_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["apply_order", "code"]
        indexes = [models.Index(fields=["is_active"], name="deferred_type_active_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(fixed_amount__isnull=False)
                | Q(percentage__isnull=False)
                | Q(round_up_multiple__isnull=False),
                name="deferred_type_has_amount_method",
            ),
            models.CheckConstraint(
                condition=Q(fixed_amount__isnull=True) | Q(fixed_amount__gt=0),
                name="deferred_type_fixed_positive",
            ),
            models.CheckConstraint(
                condition=Q(percentage__isnull=True) | Q(percentage__gt=0),
                name="deferred_type_percentage_positive",
            ),
            models.CheckConstraint(
                condition=Q(round_up_multiple__isnull=True) | Q(round_up_multiple__gt=0),
                name="deferred_type_round_up_positive",
            ),
            models.CheckConstraint(
                condition=Q(never_exceed__isnull=True) | Q(never_exceed__gt=0),
                name="deferred_type_cap_positive",
            ),
            models.CheckConstraint(
                condition=Q(effective_from__isnull=True)
                | Q(effective_to__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
                name="deferred_type_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.description}"

    def clean(self) -> None:
        if self.fixed_amount is None and self.percentage is None and self.round_up_multiple is None:
            raise ValidationError("Check at least one amount: fixed, percentage or round-up.")
        if self.pk:
            saved = type(self).objects.filter(pk=self.pk).values_list("signup_type", flat=True)
            if saved and saved[0] != self.signup_type:
                raise ValidationError(
                    {"signup_type": "The signup type cannot be changed once saved."}
                )

    def active_on(self, day) -> bool:
        return (
            self.is_active
            and (self.effective_from is None or self.effective_from <= day)
            and (self.effective_to is None or day <= self.effective_to)
        )


class DeferredChargeServiceOrder(models.Model):
    """The item's service apply order: the SA types its charge may land on, first first."""

    charge_type = models.ForeignKey(
        DeferredChargeType, on_delete=models.CASCADE, related_name="service_order"
    )
    sa_type = models.ForeignKey(SAType, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["charge_type", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["charge_type", "sa_type"], name="deferred_order_sa_type_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.sa_type_id}"


class DeferredChargeEnrollment(models.Model):
    """A customer's answer for one item (the Deferred Charges sub-tab's checkbox). No row:
    the item's default (taking part in opt-out items only)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="deferred_charge_enrollments"
    )
    charge_type = models.ForeignKey(
        DeferredChargeType, on_delete=models.CASCADE, related_name="enrollments"
    )
    is_participating = models.BooleanField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "charge_type"], name="one_deferred_enrollment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.charge_type_id}: {'in' if self.is_participating else 'out'}"


class DeferredCharge(models.Model):
    """One item charged with one frozen payment: the charge FT (SA debited, item GL
    credited) and, for the part the payment's overpayment paid, the two FTs moving that
    credit from the overpayment SA to the charged SA. A payment cancel reverses them all."""

    payment = models.ForeignKey(
        "payments.Payment", on_delete=models.PROTECT, related_name="deferred_charges"
    )
    charge_type = models.ForeignKey(
        DeferredChargeType, on_delete=models.PROTECT, related_name="charges"
    )
    amount = money_field()
    # What the payment's own money paid of it (its overpayment); the rest stays owed.
    funded = money_field()
    basis = money_field(help_text="The statement amount the calculation used.")
    charge_ft = models.OneToOneField(
        FinancialTransaction, on_delete=models.PROTECT, related_name="+"
    )
    funding_from_ft = models.OneToOneField(
        FinancialTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    funding_to_ft = models.OneToOneField(
        FinancialTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["payment", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "charge_type"], name="deferred_charge_once_per_payment"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="deferred_charge_positive"),
            models.CheckConstraint(
                condition=Q(funded__gte=0) & Q(funded__lte=models.F("amount")),
                name="deferred_charge_funded_within",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.charge_type_id} {self.amount} on payment {self.payment_id}"

    def fts(self) -> list[int]:
        return [
            pk for pk in (self.charge_ft_id, self.funding_from_ft_id, self.funding_to_ft_id) if pk
        ]
