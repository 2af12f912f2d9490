from rest_framework import serializers

from cis.api.fields import FreeTextField, MoneyField

from ..models import Arrangement, ArrangementInstallment
from ..services.arrangements import MAX_INSTALLMENTS


class InstallmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ArrangementInstallment
        fields = ["sequence", "due_on", "amount", "paid_amount", "status", "reviewed_on"]
        read_only_fields = fields


class ArrangementSerializer(serializers.ModelSerializer):
    account = serializers.SlugRelatedField(slug_field="number", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    sas = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    installments = InstallmentSerializer(many=True, read_only=True)

    class Meta:
        model = Arrangement
        fields = [
            "id",
            "number",
            "account",
            "description",
            "status",
            "sas",
            "balance_at_setup",
            "amount",
            "installments_count",
            "frequency",
            "start_on",
            "created_by",
            "created_at",
            "ended_on",
            "ended_reason",
            "protects_until",
            "installments",
        ]
        read_only_fields = fields


class ArrangementInSerializer(serializers.Serializer):
    """Set up: the services (SA ids of the account), the amount (not above their balance),
    the number of payments, `frequency` billing (due with regular billing) or weekly /
    biweekly / monthly with `start_on` (the first due date)."""

    sas = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        min_length=1,
        max_length=50,
    )
    amount = MoneyField()
    installments_count = serializers.IntegerField(min_value=1, max_value=MAX_INSTALLMENTS)
    frequency = serializers.ChoiceField(choices=Arrangement.Frequency.choices)
    start_on = serializers.DateField(required=False, allow_null=True, default=None)
    description = FreeTextField(max_length=120, required=False, allow_blank=True, default="")


class ArrangementDeleteSerializer(serializers.Serializer):
    reason = FreeTextField(max_length=150)
