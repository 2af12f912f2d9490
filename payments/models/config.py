"""Payment configuration a utility maintains in the admin (seed 003 "Entities to Configure":
tender type, tender source, payment cancel reasons, distribution rules, distribution codes)."""

from django.db import models
from django.db.models import Q

from accounts.models import AdjustmentType, GLAccount, SAType
from accounts.models.config import CodeTable
from cis.money import ZERO, money_field

from ..distribution import DistributionAlgorithm


class TenderCategory(models.TextChoices):
    """What kind of money a tender is; customers' disallowed pay methods name these."""

    CASH = "cash", "Cash"
    CHECK = "check", "Check"
    CARD = "card", "Credit / debit card"
    ACH = "ach", "ACH / bank draft"
    MONEY_ORDER = "money_order", "Money order"
    OTHER = "other", "Other"


class TenderType(CodeTable):
    """A form of money accepted (cash, personal check, Visa...). Card numbers are never
    stored anywhere: a card tender keeps the processor's token and the last four digits."""

    category = models.CharField(max_length=20, choices=TenderCategory.choices)
    # Money that can come back unpaid (checks, ACH drafts, card charge-backs): only these
    # tenders are cancelled with an NSF reason (seed 003 steps 4.1-4.3). Cash can't bounce.
    nsf_allowed = models.BooleanField(
        "NSF reasons apply",
        default=False,
        help_text="Tenders of this type can be returned unpaid (NSF, stop payment...).",
    )
    # Cash Check: when a cashed check of this type is returned, the cash handed out is
    # charged to the payor with this adjustment type (its offset GL is the cash account).
    cashed_check_adjustment_type = models.ForeignKey(
        AdjustmentType,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Charge to the payor for a cashed check of this type returned unpaid; "
        "empty: checks of this type are not cashed.",
    )

    class Meta(CodeTable.Meta):
        pass


class TenderSource(CodeTable):
    """Where tenders come in: a cashier window, a lockbox, a remittance processor, autopay.

    `cash_gl` is the bank (cash) GL account the money lands in: the debit side of every
    payment FT of an event from this source.
    """

    class Kind(models.TextChoices):
        CASHIER = "cashier", "Cashier station"
        LOCKBOX = "lockbox", "Lockbox"
        PROCESSOR = "processor", "Remittance processor"
        WEB = "web", "Web self-service"
        AUTOPAY = "autopay", "Autopay"

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CASHIER)
    cash_gl = models.ForeignKey(GLAccount, on_delete=models.PROTECT, related_name="+")

    class Meta(CodeTable.Meta):
        pass


class PaymentCancelReason(CodeTable):
    """Why a payment or tender is cancelled, and what else the cancellation does
    (seed 003 steps 3.9, 4.2, 4.3: NSF charge, credit rating, cash-only score, collection
    review; seed 001: stop autopay)."""

    is_nsf = models.BooleanField(
        "non-sufficient funds", default=False, help_text="Only a tender can be cancelled NSF."
    )
    fee_amount = money_field(default=ZERO, help_text="NSF charge levied; 0 for none.")
    fee_adjustment_type = models.ForeignKey(
        AdjustmentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Negative points lower the credit rating; positive cash-only points move the account
    # towards cash only (seed 003 step 4.3).
    credit_rating_points = models.IntegerField(default=0)
    cash_only_points = models.IntegerField(default=0)
    credit_event_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Days the credit rating effect lasts; empty: forever."
    )
    creates_collection_review = models.BooleanField(default=False)
    stops_autopay = models.BooleanField(default=False)

    class Meta(CodeTable.Meta):
        constraints = [
            models.CheckConstraint(condition=Q(fee_amount__gte=0), name="cancel_fee_not_negative"),
            models.CheckConstraint(
                condition=Q(fee_amount=0) | Q(fee_adjustment_type__isnull=False),
                name="cancel_fee_has_adjustment_type",
            ),
        ]


class DistributionRule(CodeTable):
    """Which distribution algorithm payments use; the one marked default unless a payment
    names another (seed 003 step 1.8)."""

    algorithm = models.CharField(max_length=30, choices=DistributionAlgorithm.choices)
    is_default = models.BooleanField(default=False)

    class Meta(CodeTable.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_distribution"
            )
        ]


class OverpaymentRule(CodeTable):
    """Where money beyond the debt goes (seed 003 steps 2.7, 2.9)."""

    class Method(models.TextChoices):
        PRIORITY_ELIGIBLE = "priority_eligible", "Highest-priority eligible SA, else excess"
        EXCESS_CREDIT = "excess_credit", "Always an excess-credit SA"

    method = models.CharField(max_length=30, choices=Method.choices)
    excess_sa_type = models.ForeignKey(
        SAType,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"is_excess_credit": True},
        help_text="SA type of an excess-credit SA created on the fly.",
    )
    is_default = models.BooleanField(default=False)

    class Meta(CodeTable.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_overpayment"
            )
        ]


class DistributionCode(CodeTable):
    """A non-CIS payment's purpose and the GL account it is credited to (seed 003 step 1.3,
    C1-NCPAY-FT)."""

    gl_account = models.ForeignKey(GLAccount, on_delete=models.PROTECT, related_name="+")

    class Meta(CodeTable.Meta):
        pass
