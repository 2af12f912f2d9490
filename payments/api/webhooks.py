"""`POST /api/v1/processors/<processor>/payments`: a processor's signed payment, reversal or
refund notification (payments/processors/webhooks.py). The signature is the authentication:
no session, CSRF, API key or throttle; the view hands the raw body to `webhook_receive`."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from ..processors.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    webhook_receive,
)

_REQUEST = inline_serializer(
    "ProcessorPaymentIn",
    {
        "transaction_id": serializers.CharField(max_length=80),
        "account": serializers.CharField(max_length=20, required=False),
        "amount": serializers.DecimalField(max_digits=14, decimal_places=2, required=False),
        "payment_date": serializers.DateField(required=False),
        "method": serializers.ChoiceField(["card", "ach"], required=False),
        "payer_name": serializers.CharField(max_length=120, required=False),
        "type": serializers.ChoiceField(["payment", "reversal", "refund"], default="payment"),
        "reason": serializers.CharField(max_length=200, required=False),
    },
)
_PAYMENT = inline_serializer(
    "ProcessorPaymentOut",
    {
        "payment_id": serializers.IntegerField(),
        "event_id": serializers.IntegerField(),
        "account": serializers.CharField(),
        "amount": serializers.DecimalField(max_digits=14, decimal_places=2),
        "status": serializers.CharField(),
        "transaction_id": serializers.CharField(),
    },
)
_ERROR = inline_serializer("ProcessorError", {"detail": serializers.CharField()})
_EXAMPLE_PAYMENT = {
    "transaction_id": "PUS-20260115-000123",
    "account": "1000000159",
    "amount": "84.20",
    "payment_date": "2026-01-15",
    "method": "card",
    "payer_name": "Pat Doe",
}


class ProcessorPaymentWebhook(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []
    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="processor_payment_webhook",
        tags=["processors"],
        auth=[],
        summary="A processor's signed payment / reversal / refund notification",
        parameters=[
            OpenApiParameter(
                "processor",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=["paymentus", "cdsglobal", "webselfcare"],
            ),
            OpenApiParameter(
                TIMESTAMP_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="Unix seconds; refused when more than 300 s from now.",
            ),
            OpenApiParameter(
                SIGNATURE_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description=(
                    'v1=<hex HMAC-SHA256(secret, "<timestamp>." + raw body)>; the secret is '
                    "OPENCIS_WEBHOOK_SECRET_<PROCESSOR> (or its _PREVIOUS during a rotation)."
                ),
            ),
        ],
        request=_REQUEST,
        responses={
            201: OpenApiResponse(_PAYMENT, description="Posted, distributed and frozen."),
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description=(
                    "A repeat of a transaction already posted (its original answer), or the "
                    "reversal / refund result (the cancelled payments)."
                ),
            ),
            400: OpenApiResponse(
                OpenApiTypes.OBJECT, description="Malformed body: messages per field."
            ),
            401: OpenApiResponse(_ERROR, description="Missing, wrong or stale signature."),
            404: OpenApiResponse(_ERROR, description="Unknown processor or transaction."),
        },
        examples=[
            OpenApiExample("Card payment", value=_EXAMPLE_PAYMENT, request_only=True),
            OpenApiExample(
                "Reversal",
                value={
                    "transaction_id": "PUS-20260115-000123",
                    "type": "reversal",
                    "reason": "chargeback",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Posted",
                value={
                    "payment_id": 5012,
                    "event_id": 4410,
                    "account": "1000000159",
                    "amount": "84.20",
                    "status": "frozen",
                    "transaction_id": "PUS-20260115-000123",
                },
                response_only=True,
                status_codes=["201", "200"],
            ),
            OpenApiExample(
                "Malformed",
                value={"amount": ["Must be greater than zero."], "account": ["unknown account"]},
                response_only=True,
                status_codes=["400"],
            ),
            OpenApiExample(
                "Bad signature",
                value={"detail": "missing or invalid signature"},
                response_only=True,
                status_codes=["401"],
            ),
        ],
    )
    def post(self, request, processor: str):
        result = webhook_receive(processor=processor, headers=request.headers, body=request.body)
        return Response(result.data, status=result.status_code)
