from rest_framework import serializers

from cis.api.fields import BusinessDateField, FreeTextField, MoneyField

from ..models import Clearing, Enrollment


class EnrollmentSerializer(serializers.ModelSerializer):
    """An enrollment as the API shows it: the bank account number only masked."""

    account = serializers.SlugRelatedField(slug_field="number", read_only=True)
    masked_number = serializers.CharField(read_only=True)
    # blank for a card / while running: declared so the schema admits ""
    bank_account_type = serializers.ChoiceField(
        choices=Enrollment.BankAccountType.choices, allow_blank=True, read_only=True
    )
    stop_reason = serializers.ChoiceField(
        choices=Enrollment.StopReason.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "account",
            "kind",
            "bank_account_type",
            "routing_number",
            "masked_number",
            "processor",
            "card_brand",
            "card_last4",
            "card_expires_on",
            "amount_option",
            "amount",
            "notify_in_advance",
            "start_on",
            "end_on",
            "stopped_on",
            "stop_reason",
            "stop_comment",
            "created_at",
        ]
        read_only_fields = fields


class _Amounts(serializers.Serializer):
    amount_option = serializers.ChoiceField(choices=Enrollment.AmountOption.choices)
    amount = MoneyField(required=False, allow_null=True, default=None)
    notify_in_advance = serializers.BooleanField(required=False, default=False)
    start_on = BusinessDateField(required=False)
    end_on = serializers.DateField(required=False, allow_null=True, default=None)


class EnrollmentInSerializer(_Amounts):
    """Set up: `kind` draft (bank details) or card (a processor token; never a card number)."""

    kind = serializers.ChoiceField(choices=Enrollment.Kind.choices)
    bank_account_type = serializers.ChoiceField(
        choices=Enrollment.BankAccountType.choices, required=False
    )
    routing_number = serializers.CharField(max_length=9, required=False)
    bank_account_number = serializers.CharField(max_length=17, required=False, write_only=True)
    processor = serializers.CharField(max_length=30, required=False, default="sandbox")
    card_token = FreeTextField(max_length=120, required=False)


class EnrollmentChangeSerializer(serializers.Serializer):
    amount_option = serializers.ChoiceField(choices=Enrollment.AmountOption.choices, required=False)
    amount = MoneyField(required=False, allow_null=True)
    notify_in_advance = serializers.BooleanField(required=False)
    end_on = serializers.DateField(required=False, allow_null=True)
    bank_account_type = serializers.ChoiceField(
        choices=Enrollment.BankAccountType.choices, required=False
    )
    routing_number = serializers.CharField(max_length=9, required=False)
    bank_account_number = serializers.CharField(max_length=17, required=False, write_only=True)
    card_token = FreeTextField(max_length=120, required=False)


class EnrollmentStopSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Enrollment.StopReason.choices)
    comment = FreeTextField(max_length=200, required=False, allow_blank=True, default="")


class ClearingSerializer(serializers.ModelSerializer):
    """An autopay payment (its clearinghouse record)."""

    account = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = Clearing
        fields = [
            "id",
            "account",
            "enrollment",
            "bill",
            "kind",
            "status",
            "amount",
            "reduced_from",
            "extract_on",
            "gl_distribution_on",
            "payment_on",
            "notice_due",
            "payment",
            "tender",
            "cancel_comment",
            "created_at",
        ]
        read_only_fields = fields


class ClearingInSerializer(serializers.Serializer):
    """Create an autopay payment now: `amount` defaults from the amount option; `freeze`
    (default true) distributes and freezes it at once."""

    amount = MoneyField(required=False, allow_null=True, default=None)
    freeze = serializers.BooleanField(required=False, default=True)


class ClearingRedistributeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=10, required=False, default="KEYERR")
    comment = FreeTextField(max_length=200, required=False, allow_blank=True, default="")


class ClearingDeleteSerializer(serializers.Serializer):
    comment = FreeTextField(max_length=200)
    reason = serializers.CharField(max_length=10, required=False, default="KEYERR")
