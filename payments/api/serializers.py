"""Input and output shapes of the payments API. Inputs become the services' dataclasses;
no serializer writes a model."""

import re

from rest_framework import serializers

from accounts.api.fields import VisiblePrimaryKeyRelatedField, VisibleSlugRelatedField
from accounts.models import Account, ServiceAgreement
from cis.api.fields import BusinessDateField, FreeTextField, LookupField, MoneyField

from ..models import (
    DepositControl,
    DistributionCode,
    DistributionRule,
    Payment,
    PaymentCancelReason,
    PaymentEvent,
    PaySegment,
    ReceiptPrint,
    Tender,
    TenderControl,
    TenderSource,
    TenderType,
)
from ..services.events import DistributionMode, PaymentIn, TenderIn


def _money(**kwargs) -> serializers.DecimalField:
    return MoneyField(**kwargs)


def _code(model, **kwargs) -> serializers.SlugRelatedField:
    return LookupField(slug_field="code", queryset=model.objects.filter(is_active=True), **kwargs)


def _account(**kwargs) -> serializers.SlugRelatedField:
    # private accounts are unknown numbers for roles that may not see them (issue 7 item 11)
    return VisibleSlugRelatedField(slug_field="number", queryset=Account.objects.all(), **kwargs)


def _text(max_length: int, **kwargs) -> serializers.CharField:
    """Free text and references: the model column's length, never a card number."""
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_blank", True)
    kwargs.setdefault("default", "")
    return FreeTextField(max_length=max_length, **kwargs)


# PaymentEvent.comments is a TextField: this is its cap.
EVENT_COMMENTS_MAX = 2000


# -- configuration ---------------------------------------------------------------------


class TenderTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = TenderType
        fields = ["code", "description", "category"]


class TenderSourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = TenderSource
        fields = ["code", "description", "kind"]


class CancelReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = PaymentCancelReason
        fields = [
            "code",
            "description",
            "is_nsf",
            "fee_amount",
            "credit_rating_points",
            "cash_only_points",
            "creates_collection_review",
            "stops_autopay",
        ]


class DistributionCodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = DistributionCode
        fields = ["code", "description"]


# -- inputs ----------------------------------------------------------------------------

_CARD_NUMBER = re.compile(r"^[0-9 -]{12,23}$")


class TenderInSerializer(serializers.Serializer):
    tender_type = _code(TenderType)
    amount = _money()
    payor_account = _account(required=False, allow_null=True, default=None)
    tender_control = serializers.PrimaryKeyRelatedField(
        queryset=TenderControl.objects.all(), required=False, allow_null=True, default=None
    )
    check_number = _text(20)
    processor_token = _text(120)
    last4 = serializers.RegexField(r"^[0-9]{4}$", required=False, allow_blank=True, default="")
    external_id = _text(80)

    def validate_processor_token(self, value: str) -> str:
        if _CARD_NUMBER.match(value):
            raise serializers.ValidationError(
                "looks like a card number: send the processor's token, never the number"
            )
        return value

    def to_service(self) -> TenderIn:
        return TenderIn(**self.validated_data)


class SAAmountSerializer(serializers.Serializer):
    sa = VisiblePrimaryKeyRelatedField(
        queryset=ServiceAgreement.objects.all(), via="account__customer"
    )
    amount = _money()


def _sa_amounts(rows) -> dict | None:
    return None if rows is None else {row["sa"]: row["amount"] for row in rows}


class PaymentInSerializer(serializers.Serializer):
    account = _account()
    amount = _money()
    accounting_date = BusinessDateField(required=False, allow_null=True, default=None)
    distribution_rule = _code(DistributionRule, required=False, allow_null=True, default=None)
    match_value = _text(40)
    sa_amounts = SAAmountSerializer(
        many=True,
        required=False,
        allow_null=True,
        default=None,
        help_text="Manual distribution: amounts per SA of the account, adding up to `amount`.",
    )
    comments = _text(300)

    @staticmethod
    def service_value(data: dict) -> PaymentIn:
        return PaymentIn(**{**data, "sa_amounts": _sa_amounts(data.get("sa_amounts"))})


class PaymentEventInSerializer(serializers.Serializer):
    tender_source = _code(TenderSource)
    payment_date = BusinessDateField(required=False, allow_null=True, default=None)
    mode = serializers.ChoiceField(
        choices=DistributionMode.choices, default=DistributionMode.DISTRIBUTE_AND_FREEZE
    )
    comments = _text(EVENT_COMMENTS_MAX)
    external_id = _text(80)
    tenders = TenderInSerializer(many=True, allow_empty=False)
    payments = PaymentInSerializer(many=True, allow_empty=False)


class PaymentAddSerializer(serializers.Serializer):
    payment = PaymentInSerializer()
    mode = serializers.ChoiceField(
        choices=DistributionMode.choices, default=DistributionMode.DISTRIBUTE_AND_FREEZE
    )


class AllocationSerializer(serializers.Serializer):
    payments = PaymentInSerializer(many=True, allow_empty=False)
    mode = serializers.ChoiceField(
        choices=DistributionMode.choices, default=DistributionMode.DISTRIBUTE_AND_FREEZE
    )


class DistributeSerializer(serializers.Serializer):
    sa_amounts = SAAmountSerializer(
        many=True,
        required=False,
        allow_null=True,
        default=None,
        help_text="Omit for the configured distribution; give for a manual one.",
    )


class PaymentCancelInSerializer(serializers.Serializer):
    reason = _code(PaymentCancelReason)
    comment = _text(200)


class ReturnSerializer(PaymentCancelInSerializer):
    represent = serializers.BooleanField(default=False)
    represent_date = BusinessDateField(required=False, allow_null=True, default=None)


class TransferSerializer(serializers.Serializer):
    reason = _code(PaymentCancelReason)
    comment = _text(200)
    mode = serializers.ChoiceField(
        choices=DistributionMode.choices, default=DistributionMode.DISTRIBUTE_AND_FREEZE
    )
    targets = PaymentInSerializer(many=True, allow_empty=False)


class NonCisPaymentInSerializer(serializers.Serializer):
    tender_source = _code(TenderSource)
    payment_date = BusinessDateField(required=False, allow_null=True, default=None)
    payer_name = FreeTextField(max_length=120)
    distribution_code = _code(DistributionCode)
    comments = _text(300)
    tenders = TenderInSerializer(many=True, allow_empty=False)


class CheckCashInSerializer(serializers.Serializer):
    tender_source = _code(TenderSource)
    check_type = _code(TenderType)
    amount = _money()
    payor_account = _account(required=False, allow_null=True, default=None)
    check_number = _text(20)
    tender_control = serializers.PrimaryKeyRelatedField(
        queryset=TenderControl.objects.all(), required=False, allow_null=True, default=None
    )
    comments = _text(EVENT_COMMENTS_MAX)


class ReceiptEmailSerializer(serializers.Serializer):
    to = serializers.EmailField(max_length=254)
    layout = serializers.ChoiceField(choices=ReceiptPrint.Format.choices, default="short")


class DepositControlInSerializer(serializers.Serializer):
    deposit_date = BusinessDateField()
    description = _text(120)
    expected_count = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    expected_total = _money(required=False, allow_null=True)


class TenderControlInSerializer(serializers.Serializer):
    deposit_control = serializers.PrimaryKeyRelatedField(queryset=DepositControl.objects.all())
    tender_source = _code(TenderSource)
    expected_count = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    expected_total = _money(required=False, allow_null=True)


class TenderControlBalanceSerializer(serializers.Serializer):
    counted_count = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    counted_total = _money(required=False, allow_null=True)


# -- outputs ---------------------------------------------------------------------------


class PaySegmentSerializer(serializers.ModelSerializer):
    sa_type = serializers.CharField(source="sa.sa_type.code", read_only=True)

    class Meta:
        model = PaySegment
        fields = ["sa", "sa_type", "amount", "is_overpayment", "debt_due_date", "ft", "cancel_ft"]


class PaymentSerializer(serializers.ModelSerializer):
    account = serializers.SlugRelatedField(slug_field="number", read_only=True)
    # nullable foreign keys: `allow_null` so the schema says they can be null
    cancel_reason = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    distribution_rule = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    distribution_code = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    segments = PaySegmentSerializer(many=True, read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "event",
            "account",
            "amount",
            "status",
            "accounting_date",
            "distribution_rule",
            "match_value",
            "error_message",
            "frozen_at",
            "cancel_reason",
            "cancel_comment",
            "cancelled_at",
            "transferred_from",
            "payer_name",
            "distribution_code",
            "comments",
            "segments",
        ]


class TenderSerializer(serializers.ModelSerializer):
    tender_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    payor_account = serializers.SlugRelatedField(
        slug_field="number", read_only=True, allow_null=True
    )
    cancel_reason = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Tender
        fields = [
            "id",
            "tender_type",
            "tender_control",
            "amount",
            "payor_account",
            "check_number",
            "last4",
            "external_id",
            "status",
            "cancel_reason",
            "cancel_comment",
            "cancelled_at",
            "represents",
        ]


class PaymentEventSerializer(serializers.ModelSerializer):
    tender_source = serializers.SlugRelatedField(slug_field="code", read_only=True)
    tenders = TenderSerializer(many=True, read_only=True)
    payments = PaymentSerializer(many=True, read_only=True)
    unapplied = serializers.SerializerMethodField(
        help_text="Tendered money no live payment applies (after a payment was cancelled)."
    )

    class Meta:
        model = PaymentEvent
        fields = [
            "id",
            "payment_date",
            "tender_source",
            "is_check_cashing",
            "external_id",
            "comments",
            "unapplied",
            "tenders",
            "payments",
        ]

    def get_unapplied(self, event) -> str:
        tendered = sum(t.amount for t in event.tenders.all() if t.status == "valid")
        applied = sum(p.amount for p in event.payments.all() if p.status != "cancelled")
        return f"{tendered - applied:.2f}"


class ReturnOutcomeSerializer(serializers.Serializer):
    tender = TenderSerializer()
    representment = PaymentEventSerializer(allow_null=True)


class DepositControlSerializer(serializers.ModelSerializer):
    class Meta:
        model = DepositControl
        fields = [
            "id",
            "deposit_date",
            "description",
            "expected_count",
            "expected_total",
            "status",
            "balanced_at",
        ]


class TenderControlSerializer(serializers.ModelSerializer):
    tender_source = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = TenderControl
        fields = [
            "id",
            "deposit_control",
            "tender_source",
            "expected_count",
            "expected_total",
            "status",
            "balanced_at",
        ]


class BalanceOutcomeSerializer(serializers.Serializer):
    balanced = serializers.BooleanField()
    count = serializers.IntegerField()
    total = _money()
    detail = serializers.CharField()
    status = serializers.CharField(source="control.status")


class ReceiptPrintSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReceiptPrint
        fields = ["id", "payment", "format", "is_duplicate", "emailed_to", "printed_at"]
