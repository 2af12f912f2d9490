"""Deposits (seed 004 Location tab > Deposits, Message Center "Deposits holding"; issue 13
item 3): the interest rate a utility pays on deposits held, the interest booked per deposit
and period, and the application of a deposit to an account's final bill.

A deposit is a charge on the account's deposit SA (SA type `is_deposit`, AR 1150 against
the liability 2100 "Customer deposits held"); once paid the money sits in 2100 and is
*held*. What is held is read from the ledger (`accounts.selectors.deposits_summary`); the
rows below only record what the batch job and the final-bill service did, so that each is
done once.
"""

from django.db import models
from django.db.models import Q

from cis.money import ZERO, money_field

from .customers import Account, ServiceAgreement
from .ledger import Bill


class DepositInterestRate(models.Model):
    """The simple annual interest rate paid on deposits held, from `effective_on` until the
    next row's date. Edited in the admin; the rate of a period is the one in effect on
    the period's last day."""

    effective_on = models.DateField(unique=True)
    annual_rate = models.DecimalField(
        max_digits=6, decimal_places=3, help_text="Percent a year, e.g. 2.500 for 2.5%."
    )
    description = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["-effective_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(annual_rate__gte=0), name="deposit_interest_rate_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.annual_rate}% from {self.effective_on}"


class DepositInterest(models.Model):
    """Interest of one deposit SA for one period (a calendar month), booked once: the row
    is written in the same transaction as its FTs, and (sa, period_end) is unique."""

    sa = models.ForeignKey(
        ServiceAgreement, on_delete=models.PROTECT, related_name="deposit_interest"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    principal = money_field(help_text="Deposit principal held on the period's first day.")
    annual_rate = models.DecimalField(max_digits=6, decimal_places=3)
    days = models.PositiveSmallIntegerField()
    amount = money_field(default=ZERO)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sa", "-period_end"]
        constraints = [
            models.UniqueConstraint(
                fields=["sa", "period_end"], name="deposit_interest_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sa_id} {self.period_end} {self.amount}"


class DepositApplication(models.Model):
    """A deposit held applied to an account's final bill: `applied` paid the debt, the rest
    (`refund_due`) is left as a credit on the deposit SA to be refunded."""

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="deposit_applications"
    )
    bill = models.OneToOneField(Bill, on_delete=models.PROTECT, related_name="deposit_application")
    held = money_field()
    applied = money_field()
    refund_due = money_field()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.account_id} bill {self.bill_id}: applied {self.applied}"
