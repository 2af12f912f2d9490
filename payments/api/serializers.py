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
    return LookupField(
        slug_field="code", queryset=model.objects.filter(is_active=True), cached="active", **kwargs
    )


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


# -- the answer to a payment event just posted (issue 7 "Online speed") ----------------

_MONEY_OUT = serializers.DecimalField(max_digits=14, decimal_places=2)
_DATETIME_OUT = serializers.DateTimeField()


def _code_of(instance) -> str | None:
    return None if instance is None else instance.code


def _when(value) -> str | None:
    return None if value is None else _DATETIME_OUT.to_representation(value)


def _day(value) -> str | None:
    return None if value is None else value.isoformat()


def posted_event_data(posted, *, sa_types: dict[int, str]) -> dict:
    """`PaymentEventSerializer(event_detail_posted(posted=posted)).data`, built from the
    rows this request wrote (`EventPosted`) without the serializers: a ModelSerializer
    builds its fields from the model on every instance, a fifth of a one-payment request.
    `sa_types` is each pay segment's SA type code (SA id -> code). Same keys, order and
    values: a test holds the two equal."""
    event = posted.event
    tenders = sorted(posted.tenders, key=lambda t: t.pk)
    pairs = sorted(zip(posted.payments, posted.segments, strict=True), key=lambda p: -p[0].pk)
    pairs.sort(key=lambda p: p[0].accounting_date, reverse=True)
    tendered = sum(t.amount for t in tenders if t.status == "valid")
    applied = sum(p.amount for p, _ in pairs if p.status != "cancelled")
    return {
        "id": event.pk,
        "payment_date": _day(event.payment_date),
        "tender_source": event.tender_source.code,
        "is_check_cashing": event.is_check_cashing,
        "external_id": event.external_id,
        "comments": event.comments,
        "unapplied": f"{tendered - applied:.2f}",
        "tenders": [
            {
                "id": t.pk,
                "tender_type": t.tender_type.code,
                "tender_control": t.tender_control_id,
                "amount": _MONEY_OUT.to_representation(t.amount),
                "payor_account": t.payor_account.number if t.payor_account_id else None,
                "check_number": t.check_number,
                "last4": t.last4,
                "external_id": t.external_id,
                "status": t.status,
                "cancel_reason": _code_of(t.cancel_reason) if t.cancel_reason_id else None,
                "cancel_comment": t.cancel_comment,
                "cancelled_at": _when(t.cancelled_at),
                "represents": t.represents_id,
            }
            for t in tenders
        ],
        "payments": [
            {
                "id": p.pk,
                "event": p.event_id,
                "account": p.account.number,
                "amount": _MONEY_OUT.to_representation(p.amount),
                "status": p.status,
                "accounting_date": _day(p.accounting_date),
                "distribution_rule": _code_of(p.distribution_rule)
                if p.distribution_rule_id
                else None,
                "match_value": p.match_value,
                "error_message": p.error_message,
                "frozen_at": _when(p.frozen_at),
                "cancel_reason": _code_of(p.cancel_reason) if p.cancel_reason_id else None,
                "cancel_comment": p.cancel_comment,
                "cancelled_at": _when(p.cancelled_at),
                "transferred_from": p.transferred_from_id,
                "payer_name": p.payer_name,
                "distribution_code": _code_of(p.distribution_code)
                if p.distribution_code_id
                else None,
                "comments": p.comments,
                "segments": [
                    {
                        "sa": seg.sa_id,
                        "sa_type": sa_types[seg.sa_id],
                        "amount": _MONEY_OUT.to_representation(seg.amount),
                        "is_overpayment": seg.is_overpayment,
                        "debt_due_date": _day(seg.debt_due_date),
                        "ft": seg.ft_id,
                        "cancel_ft": seg.cancel_ft_id,
                    }
                    for seg in sorted(segments, key=lambda s: s.pk)
                ],
            }
            for p, segments in pairs
        ],
    }
