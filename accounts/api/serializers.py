from decimal import Decimal

from rest_framework import serializers

from cis.api.fields import BusinessDateField, FreeTextField, LookupField, MoneyField

from ..models import Account, Adjustment, AdjustmentType, Bill, ServiceAgreement
from .fields import VisiblePrimaryKeyRelatedField, VisibleSlugRelatedField

# Inputs name accounts and SAs the user may see; a private one is unknown (issue 7 item 12).


class ServiceAgreementSerializer(serializers.ModelSerializer):
    sa_type = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = ServiceAgreement
        fields = ["id", "sa_type", "status", "rate_code", "start_date", "end_date", "balance"]


class AgingSerializer(serializers.Serializer):
    balance = serializers.DecimalField(max_digits=14, decimal_places=2)
    current = serializers.DecimalField(max_digits=14, decimal_places=2)
    days_0_30 = serializers.DecimalField(max_digits=14, decimal_places=2)
    days_31_60 = serializers.DecimalField(max_digits=14, decimal_places=2)
    days_61_90 = serializers.DecimalField(max_digits=14, decimal_places=2)
    days_over_90 = serializers.DecimalField(max_digits=14, decimal_places=2)
    past_due = serializers.DecimalField(max_digits=14, decimal_places=2)


class AccountSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.display_name", read_only=True)
    location = serializers.StringRelatedField()
    agreements = ServiceAgreementSerializer(many=True, read_only=True)

    class Meta:
        model = Account
        fields = [
            "id",
            "number",
            "customer_name",
            "location",
            "activity_status",
            "service_status",
            "opened_on",
            "balance",
            "agreements",
        ]


class BillSegmentInSerializer(serializers.Serializer):
    sa = VisiblePrimaryKeyRelatedField(
        queryset=ServiceAgreement.objects.all(), via="account__customer"
    )
    amount = MoneyField()
    description = FreeTextField(max_length=120, required=False, allow_blank=True, default="")


class BillInSerializer(serializers.Serializer):
    account = VisibleSlugRelatedField(slug_field="number", queryset=Account.objects.all())
    bill_date = BusinessDateField()
    due_date = BusinessDateField()
    segments = BillSegmentInSerializer(many=True, allow_empty=False)
    complete = serializers.BooleanField(default=True)

    def validate(self, attrs):
        if attrs["due_date"] < attrs["bill_date"]:
            raise serializers.ValidationError({"due_date": "must be on or after the bill date"})
        return attrs


class BillSerializer(serializers.ModelSerializer):
    account = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = Bill
        fields = ["id", "account", "bill_date", "due_date", "status", "total", "completed_at"]


class AdjustmentInSerializer(serializers.Serializer):
    sa = VisiblePrimaryKeyRelatedField(
        queryset=ServiceAgreement.objects.all(), via="account__customer"
    )
    adjustment_type = LookupField(
        slug_field="code", queryset=AdjustmentType.objects.filter(is_active=True)
    )
    amount = MoneyField()
    reason = FreeTextField(max_length=200, required=False, allow_blank=True, default="")

    def validate_amount(self, value: Decimal) -> Decimal:
        if value == 0:
            raise serializers.ValidationError("cannot be zero")
        return value


class AdjustmentSerializer(serializers.ModelSerializer):
    adjustment_type = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Adjustment
        fields = [
            "id",
            "sa",
            "adjustment_type",
            "amount",
            "status",
            "reason",
            "cancel_reason",
            "created_at",
        ]


class CancelSerializer(serializers.Serializer):
    reason = FreeTextField(max_length=200)


class RefundSerializer(serializers.Serializer):
    """A refund as the History tab lists it (issue 13 item 2); bank numbers masked only."""

    id = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    method = serializers.CharField()
    source = serializers.CharField()
    status = serializers.CharField()
    reason = serializers.CharField()
    requested_at = serializers.DateTimeField()
    approved_at = serializers.DateTimeField(allow_null=True)
    payee_name = serializers.CharField()
    bank_account_masked = serializers.CharField()
    check_number = serializers.IntegerField(allow_null=True)
    paid_on = serializers.DateField(allow_null=True)
