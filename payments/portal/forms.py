from decimal import Decimal

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from cis.forms import MoneyFormField

from .models import WebLogin


class PortalLoginForm(AuthenticationForm):
    """The staff's accounts do not sign in here: only web users (a WebLogin)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "not_web_user": "This sign-in is for customers' web logins only.",
    }

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not WebLogin.objects.filter(user=user).exists():
            raise forms.ValidationError(self.error_messages["not_web_user"], code="not_web_user")


class PortalPayForm(forms.Form):
    amount = MoneyFormField(min_value=Decimal("0.01"), label="Amount to pay")
    # One per form shown: a double submit of the confirmation is one charge, one payment.
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)


class PortalConfirmForm(PortalPayForm):
    card_token = forms.CharField(widget=forms.HiddenInput, max_length=80)
