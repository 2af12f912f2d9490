"""Forms of the panel: they parse and present; the rules live in accounts/services/.

Every form renders with `novalidate`, so the server's messages (next to each field) are
the one source of truth, whether a rule is simple (required) or not (primary address).
"""

import re

from django import forms
from django.core.exceptions import ValidationError

from cis.forms import MoneyFormField
from cis.validators import no_card_number

from ..models import (
    AccountStatusCode,
    AdjustmentType,
    BillCycle,
    Contact,
    ContactType,
    Customer,
    CustomerAddress,
    CustomerPhone,
    DocumentType,
    Note,
    NoteType,
    RevenueClass,
    SpecialCondition,
    SpecialConditionType,
)

US_STATES = [
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "DC",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
    "PR",
    "GU",
    "VI",
    "AS",
    "MP",
]
STATE_CHOICES = [("", "—")] + [(s, s) for s in US_STATES]
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PAY_METHODS = [("check", "Checks"), ("cash", "Cash"), ("card", "Cards"), ("ach", "ACH / draft")]


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError next to the matching fields (others on top)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            target = name if name in form.fields else None
            for item in errors:
                form.add_error(target, item)
    else:
        form.add_error(None, error)


class CodeChoiceField(forms.ModelChoiceField):
    """A configuration code shown by its description, as a CSR reads it."""

    def label_from_instance(self, obj) -> str:
        return obj.description


class PostalCodeField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if value and not re.fullmatch(r"\d{5}(-\d{4})?", value):
            raise ValidationError("Enter a ZIP code as 12345 or 12345-6789.")
        return value


class CustomerIdForm(forms.Form):
    customer_type = forms.ChoiceField(choices=Customer.Type.choices)
    title = forms.CharField(max_length=20, required=False)
    first_name = forms.CharField(max_length=60, required=False)
    middle_name = forms.CharField(max_length=60, required=False)
    last_name = forms.CharField(max_length=60, required=False)
    spouse_name = forms.CharField(max_length=120, required=False, label="Spouse")
    business_name = forms.CharField(max_length=120, required=False)
    alternate_id = forms.CharField(max_length=40, required=False, label="Alt customer ID")
    account_status = CodeChoiceField(
        AccountStatusCode.objects.filter(is_active=True), required=False
    )
    is_active = forms.BooleanField(required=False, label="Active")
    is_public = forms.BooleanField(required=False, label="Public")
    is_bankrupt = forms.BooleanField(required=False, label="Bankrupt")
    do_not_accept_payments = forms.BooleanField(required=False, label="Do not accept any payments")
    disallowed_pay_methods = forms.MultipleChoiceField(
        choices=PAY_METHODS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Disallowed pay methods",
    )

    def __init__(self, *args, can_change_public: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_change_public:
            self.fields["is_public"].disabled = True
            self.fields["is_public"].help_text = "Only an administrator may change this."


# Required for the customer type whose section shows them (the service says so on save):
# the form marks them required like any other required field (issue 8 item 15).
for _name in ("last_name", "business_name"):
    CustomerIdForm.base_fields[_name].shown_required = True


class PersonalForm(forms.Form):
    # Never pre-filled: a blank field keeps what is on file.
    ssn = forms.CharField(
        max_length=11,
        required=False,
        label="Social Security No.",
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
        help_text="Type a new number to replace the one on file.",
    )
    drivers_license = forms.CharField(
        max_length=30,
        required=False,
        label="Driver's license No.",
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text="Type a new number to replace the one on file.",
    )
    drivers_license_state = forms.ChoiceField(
        choices=STATE_CHOICES, required=False, label="License state"
    )
    date_of_birth = forms.DateField(required=False, widget=DATE_WIDGET)


class RevealForm(forms.Form):
    field = forms.ChoiceField(choices=[("ssn", "SSN"), ("drivers_license", "Driver's license")])
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "off"}))


class NoticesForm(forms.Form):
    mail_notices = forms.BooleanField(required=False, label="Mail notices")
    email_notices = forms.BooleanField(required=False, label="Email notices")


class AddressForm(forms.Form):
    kind = forms.ChoiceField(choices=CustomerAddress.Kind.choices, label="Address type")
    is_primary = forms.BooleanField(required=False, label="Primary mailing address")
    care_of = forms.CharField(max_length=120, required=False, label="Care of")
    line1 = forms.CharField(max_length=120, label="Address")
    line2 = forms.CharField(max_length=120, required=False, label="Address line 2")
    city = forms.CharField(max_length=60)
    state = forms.ChoiceField(choices=STATE_CHOICES)
    postal_code = PostalCodeField(max_length=10, label="ZIP")
    county = forms.CharField(max_length=60, required=False)
    country = forms.CharField(max_length=2, initial="US")


class PhoneForm(forms.Form):
    kind = forms.ChoiceField(choices=CustomerPhone.Kind.choices, label="Phone type")
    is_primary = forms.BooleanField(required=False, label="Primary phone")
    number = forms.CharField(max_length=20, label="Number")
    extension = forms.CharField(max_length=10, required=False)

    def clean_number(self):
        digits = re.sub(r"\D", "", self.cleaned_data["number"])
        if len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        if len(digits) != 10:
            raise ValidationError("Enter a 10-digit phone number.")
        return digits


class EmailForm(forms.Form):
    address = forms.EmailField(label="Email address")
    is_primary = forms.BooleanField(required=False, label="Primary email")


class CodeForm(forms.Form):
    """A UDC caption and one of its values; the view limits captions to the scope."""

    caption = forms.ModelChoiceField(queryset=None, label="Caption")
    value = forms.ChoiceField(label="Value")

    def __init__(self, *args, captions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caption"].queryset = captions
        self.fields["value"].choices = [("", "—")] + [
            (v.pk, f"{c.description}: {v.description}") for c in captions for v in c.values.all()
        ]


class DocumentForm(forms.Form):
    document_type = CodeChoiceField(DocumentType.objects.filter(is_active=True))
    description = forms.CharField(max_length=200)
    file = forms.FileField()


class AccountFlagsForm(forms.Form):
    is_budget_billing = forms.BooleanField(required=False, label="Budget billing")
    is_bad_debt = forms.BooleanField(required=False, label="Bad debt")
    in_collections = forms.BooleanField(required=False, label="In collections")


class LocationForm(forms.Form):
    line1 = forms.CharField(max_length=120, label="Address")
    line2 = forms.CharField(max_length=120, required=False, label="Address line 2")
    city = forms.CharField(max_length=60)
    state = forms.ChoiceField(choices=STATE_CHOICES)
    postal_code = PostalCodeField(max_length=10, label="ZIP")
    cross_street = forms.CharField(max_length=120, required=False)
    description = forms.CharField(max_length=120, required=False, label="Location desc.")
    revenue_class = forms.ModelChoiceField(RevenueClass.objects.filter(is_active=True))
    cycle = forms.ModelChoiceField(BillCycle.objects.filter(is_active=True))
    route = forms.CharField(max_length=20, required=False)
    is_rental = forms.BooleanField(required=False, label="Rental")
    parcel = forms.CharField(max_length=40, required=False, label="Parcel No.")
    subdivision = forms.CharField(max_length=60, required=False, label="Region / subdivision")
    alternate_id = forms.CharField(max_length=40, required=False, label="Alt location ID")
    on_lien = forms.BooleanField(required=False, label="On lien")


class PermitForm(forms.Form):
    number = forms.CharField(max_length=40, label="Permit No.")
    description = forms.CharField(max_length=200, required=False)


class OwnerForm(forms.Form):
    owner_number = forms.CharField(
        max_length=20, required=False, label="Owner customer No.", help_text="Blank: no owner."
    )


class NoteForm(forms.Form):
    level = forms.ChoiceField(choices=Note.Level.choices, label="Note level")
    note_type = CodeChoiceField(NoteType.objects.filter(is_active=True), label="Note type")
    subject = forms.CharField(
        max_length=120, required=False, help_text="Left blank, the note text becomes the subject."
    )
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="Note")
    show_in_message_center = forms.BooleanField(required=False, label="Message Center")
    show_in_payment_center = forms.BooleanField(required=False, label="Payment Center")
    grace_date = forms.DateField(required=False, widget=DATE_WIDGET)
    used_for = forms.ChoiceField(
        choices=[("", "—")] + Note.UsedFor.choices, required=False, label="Used for"
    )
    expires_on = forms.DateField(required=False, widget=DATE_WIDGET, label="Expiration date")

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:  # the level is fixed once saved
            self.fields["level"].disabled = True
            self.fields["level"].required = False


class AttachmentForm(forms.Form):
    file = forms.FileField(label="Attach a file")


class ContactForm(forms.Form):
    contact_type = CodeChoiceField(ContactType.objects.filter(is_active=True))
    notices = forms.ChoiceField(choices=Contact.Notices.choices, widget=forms.RadioSelect)
    first_name = forms.CharField(max_length=60)
    middle_name = forms.CharField(max_length=60, required=False)
    last_name = forms.CharField(max_length=60)
    suffix = forms.CharField(max_length=10, required=False)
    date_of_birth = forms.DateField(required=False, widget=DATE_WIDGET)


class ContactAddressForm(forms.Form):
    kind = forms.ChoiceField(choices=CustomerAddress.Kind.choices, label="Address type")
    is_primary = forms.BooleanField(required=False, label="Primary address")
    line1 = forms.CharField(max_length=120, label="Street")
    line2 = forms.CharField(max_length=120, required=False, label="Line 2")
    city = forms.CharField(max_length=60)
    state = forms.ChoiceField(choices=STATE_CHOICES)
    postal_code = PostalCodeField(max_length=10, required=False, label="ZIP")
    country = forms.CharField(max_length=2, initial="US")


class ContactEmailForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("personal", "Personal"), ("work", "Work"), ("other", "Other")], label="Type"
    )
    is_primary = forms.BooleanField(required=False, label="Primary email")
    address = forms.EmailField(label="Email")
    description = forms.CharField(max_length=120, required=False)


class ContactPhoneForm(PhoneForm):
    description = forms.CharField(max_length=120, required=False)


class ExpirationMixin:
    """seed 004: the expiration date is active only with "Has expiration" checked."""

    def clean(self):
        data = super().clean()
        if data.get("has_expiration") and not data.get("expires_on"):
            self.add_error("expires_on", "Choose the expiration date.")
        if not data.get("has_expiration"):
            data["expires_on"] = None
        return data


class ConditionAddForm(ExpirationMixin, forms.Form):
    level = forms.ChoiceField(choices=SpecialCondition.Level.choices, label="Type")
    condition_type = CodeChoiceField(
        SpecialConditionType.objects.filter(is_active=True), label="Code"
    )
    effective_on = forms.DateField(widget=DATE_WIDGET, label="Effective date")
    has_expiration = forms.BooleanField(required=False, label="Has expiration")
    expires_on = forms.DateField(required=False, widget=DATE_WIDGET, label="Expiration date")


class ConditionEditForm(ExpirationMixin, forms.Form):
    effective_on = forms.DateField(widget=DATE_WIDGET, label="Effective date")
    has_expiration = forms.BooleanField(required=False, label="Has expiration")
    expires_on = forms.DateField(required=False, widget=DATE_WIDGET, label="Expiration date")
    is_active = forms.BooleanField(required=False, label="Active")


class ChargeAdjustForm(forms.Form):
    """Adjust a charge from the History tab (seed 004 History actions; issue 8 item 6): a
    credit (negative) or an extra charge (positive) on the charge's service, through the
    adjustment service."""

    adjustment_type = CodeChoiceField(queryset=None, label="Adjustment type")
    amount = MoneyFormField(
        label="Amount",
        help_text="Negative credits the customer (-20.00); positive adds a charge.",
    )
    reason = forms.CharField(max_length=200, validators=[no_card_number])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["adjustment_type"].queryset = AdjustmentType.objects.filter(
            is_active=True
        ).order_by("code")

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise ValidationError("Enter an amount other than zero.")
        return amount


class RefundRequestForm(forms.Form):
    """Request a refund of the account's credit from the History tab (seed 004 History
    actions; issue 13 item 2). A Supervisor approves it from the To Do."""

    amount = MoneyFormField(label="Amount", help_text="At most the credit available.")
    method = forms.ChoiceField(
        label="Pay by", choices=[("check", "Check"), ("ach", "ACH credit")], initial="check"
    )
    reason = forms.CharField(max_length=200, validators=[no_card_number])
    payee_name = forms.CharField(
        max_length=120, required=False, label="Payee", help_text="Blank: the customer."
    )
    routing_number = forms.CharField(max_length=9, required=False, label="Routing number (ACH)")
    bank_account_number = forms.CharField(
        max_length=17,
        required=False,
        label="Bank account number (ACH)",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    bank_account_type = forms.ChoiceField(
        label="Bank account type (ACH)",
        choices=[("checking", "Checking"), ("savings", "Savings")],
        initial="checking",
    )

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount <= 0:
            raise ValidationError("Enter an amount more than zero.")
        return amount

    def clean(self):
        data = super().clean()
        if data.get("method") == "ach":
            for name in ("routing_number", "bank_account_number"):
                if not data.get(name):
                    self.add_error(name, "Required for an ACH refund.")
        return data


class RefundDecisionForm(forms.Form):
    reason = forms.CharField(max_length=200, required=False, validators=[no_card_number])
