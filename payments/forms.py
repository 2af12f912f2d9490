"""Forms of the Payments tab (issue 4 item 9). They only parse input: the services decide
whether a payment is accepted and raise the messages the CSR sees."""

from decimal import Decimal

from django import forms
from django.conf import settings

from accounts.acp.forms import CodeChoiceField
from cis.forms import MoneyFormField
from cis.money import money_format, quantize
from cis.validators import no_card_number

from .models import PaymentCancelReason, ReceiptPrint, TenderCategory, TenderType
from .services.events import DistributionMode


def confirmation_reason(amount: Decimal, balance: Decimal) -> str:
    """Why a payment of `amount` on an account owing `balance` should be confirmed before
    it posts ("" when it need not): above `OPENCIS_CONFIRM_AMOUNT`, or above
    `OPENCIS_CONFIRM_BALANCE_MULTIPLE` times a positive balance (issue 8 item 3: a typo
    of three zeros must not post at once)."""
    limit = Decimal(str(getattr(settings, "OPENCIS_CONFIRM_AMOUNT", "10000.00")))
    multiple = int(getattr(settings, "OPENCIS_CONFIRM_BALANCE_MULTIPLE", 10))
    if amount > limit:
        return f"it is more than {money_format(limit)}"
    if balance > 0 and multiple and amount > balance * multiple:
        return f"it is more than {multiple} times the balance of {money_format(balance)}"
    return ""


def _tender_types():
    return TenderType.objects.order_by("code")


# Which tender categories need which fields (seed 003 step 1.5; issue 8 item 12: a cash
# payment shows no check number or card fields).
CHECK_NUMBER_CATEGORIES = (TenderCategory.CHECK, TenderCategory.MONEY_ORDER)
CARD_CATEGORIES = (TenderCategory.CARD,)


class TenderFieldsMixin(forms.Form):
    """Check number for checks and money orders, last four digits for cards (seed 003 step
    1.5); the others leave them blank. The form shows each only for the tender types that
    need it (`when_check` / `when_card` hold those types' option values for the page's
    script, `shows_check` / `shows_card` the state to render with)."""

    def _values(self, categories) -> str:
        if not hasattr(self, "_types"):
            self._types = [(str(t.pk), t.category) for t in self.fields["tender_type"].queryset]
        return " ".join(pk for pk, category in self._types if category in categories)

    def _shows(self, categories) -> bool:
        chosen = str(self["tender_type"].value() or "")
        return bool(chosen) and chosen in self._values(categories).split()

    def when_check(self) -> str:
        return self._values(CHECK_NUMBER_CATEGORIES)

    def when_card(self) -> str:
        return self._values(CARD_CATEGORIES)

    def shows_check(self) -> bool:
        return self._shows(CHECK_NUMBER_CATEGORIES)

    def shows_card(self) -> bool:
        return self._shows(CARD_CATEGORIES)

    def clean(self):
        data = super().clean()
        kind = data.get("tender_type")
        # A field hidden for this tender type may still hold what was typed before the
        # type changed: it is not this tender's.
        if kind is not None and kind.category not in CHECK_NUMBER_CATEGORIES:
            data["check_number"] = ""
        if kind is not None and kind.category not in CARD_CATEGORIES:
            data["last4"] = ""
        if (
            kind is not None
            and kind.category == TenderCategory.CHECK
            and not data.get("check_number")
        ):
            self.add_error("check_number", "Enter the check number.")
        if kind is not None and kind.category == TenderCategory.CARD:
            last4 = data.get("last4", "")
            if not (len(last4) == 4 and last4.isdigit()):
                self.add_error("last4", "Enter the card's last four digits.")
        return data


class QuickPayForm(TenderFieldsMixin):
    """One tender paying this account. A large amount (`confirmation_reason`) is not
    posted until the CSR ticks "post it" for that same amount and submits again."""

    amount = MoneyFormField(min_value=Decimal("0.01"))
    tender_type = CodeChoiceField(queryset=TenderType.objects.none())
    check_number = forms.CharField(max_length=20, required=False, label="Check number")
    last4 = forms.CharField(max_length=4, required=False, label="Card last 4")
    # the value is the amount confirmed: changing the amount asks again
    confirmed = forms.CharField(max_length=20, required=False)

    def __init__(self, *args, balance: Decimal | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tender_type"].queryset = _tender_types()
        self.balance = balance
        self.confirm_amount = None  # set when the form asks for confirmation

    def clean(self):
        data = super().clean()
        amount = data.get("amount")
        if amount is None or self.balance is None or self.errors:
            return data
        reason = confirmation_reason(amount, self.balance)
        if reason and data.get("confirmed") != str(quantize(amount)):
            self.confirm_amount = quantize(amount)
            self.add_error(
                None,
                f"Please confirm the payment of {money_format(amount)}: {reason}. Check the "
                "amount, then tick the box below and add the payment again.",
            )
        return data


class TenderRowForm(TenderFieldsMixin):
    tender_type = CodeChoiceField(queryset=TenderType.objects.none(), required=False)
    amount = MoneyFormField(min_value=Decimal("0.01"), required=False)
    check_number = forms.CharField(max_length=20, required=False, label="Check number")
    last4 = forms.CharField(max_length=4, required=False, label="Card last 4")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tender_type"].queryset = _tender_types()

    def clean(self):
        data = super().clean()
        if data.get("tender_type") and data.get("amount") is None:
            self.add_error("amount", "Enter the tender's amount.")
        return data


class PayeeRowForm(forms.Form):
    account_number = forms.CharField(max_length=20, required=False, label="Account")
    amount = MoneyFormField(min_value=Decimal("0.01"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("account_number") and data.get("amount") is None:
            self.add_error("amount", "Enter the amount for this account.")
        return data


TenderFormSet = forms.formset_factory(TenderRowForm, extra=3, max_num=6)
PayeeFormSet = forms.formset_factory(PayeeRowForm, extra=3, max_num=6)


class EventForm(forms.Form):
    mode = forms.ChoiceField(
        choices=DistributionMode.choices,
        initial=DistributionMode.DISTRIBUTE_AND_FREEZE,
        widget=forms.RadioSelect,
        label="Distribution",
    )
    comments = forms.CharField(max_length=300, required=False)
    # the payments' total the CSR confirmed (see `confirmation_reason`)
    confirmed = forms.CharField(max_length=20, required=False)

    def __init__(self, *args, sas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.confirm_amount = None  # set when the form asks for confirmation
        # Manual distribution: one amount per SA of the open account (seed 003 step 2.0).
        self.sas = list(sas)
        for sa in self.sas:
            self.fields[f"sa_{sa.pk}"] = MoneyFormField(
                required=False, min_value=Decimal("0"), label=sa.sa_type.description
            )

    def ask_confirmation(self, payments: list[tuple]) -> bool:
        """`payments` are (account, amount) pairs: True (and a message) when one of them
        needs confirming and the CSR has not confirmed this event's total."""
        total = quantize(sum((amount for _, amount in payments), Decimal("0")))
        reasons = [
            (account, amount, reason)
            for account, amount in payments
            if (reason := confirmation_reason(amount, account.balance))
        ]
        if not reasons or self.cleaned_data.get("confirmed") == str(total):
            return False
        account, amount, reason = reasons[0]
        self.confirm_amount = total
        self.add_error(
            None,
            f"Please confirm the payment of {money_format(amount)} to {account.number}: "
            f"{reason}. Check the amounts, then tick the box below and add the payment "
            "event again.",
        )
        return True

    def sa_fields(self):
        return [self[f"sa_{sa.pk}"] for sa in self.sas]

    def sa_amounts(self) -> dict:
        return {
            sa: self.cleaned_data[f"sa_{sa.pk}"]
            for sa in self.sas
            if self.cleaned_data.get(f"sa_{sa.pk}")
        }


def _reasons(*, nsf: bool):
    return PaymentCancelReason.objects.filter(is_nsf=nsf).order_by("code")


class ReasonForm(forms.Form):
    """Reverse a payment (non-NSF reasons) or return its tender (NSF reasons)."""

    reason = CodeChoiceField(queryset=PaymentCancelReason.objects.none())
    # the cancel services store the comment as given: the form keeps card numbers out
    comment = forms.CharField(max_length=200, required=False, validators=[no_card_number])

    def __init__(self, *args, nsf: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = _reasons(nsf=nsf)


class ReturnForm(ReasonForm):
    represent = forms.BooleanField(required=False, label="Present the item again")
    represent_date = forms.DateField(
        required=False,
        label="Re-presentment date",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, nsf=True, **kwargs)


class TransferForm(ReasonForm):
    account_number = forms.CharField(max_length=20, label="To account")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, nsf=False, **kwargs)


class ReceiptForm(forms.Form):
    layout = forms.ChoiceField(choices=ReceiptPrint.Format.choices, label="Receipt")
