"""Payments REST API: each view parses input, calls one service, shapes the answer.
Permissions: reads need `view_payment`; adding and distributing `add_payment`; cancels,
transfers and returns `change_payment`; deletes `delete_payment` (cis/roles.py: a Supervisor
deletes, a CSR cancels with a reason); controls their own model's permissions."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import BasePermission
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import accounts_visible
from cis.api.errors import validation_error_data
from cis.idempotency import idempotent

from ..exceptions import PaymentError, PaymentStateError
from ..models import (
    DepositControl,
    DistributionCode,
    Payment,
    PaymentCancelReason,
    PaymentEvent,
    ReceiptPrint,
    TenderControl,
    TenderSource,
    TenderType,
)
from ..selectors import (
    account_payments,
    event_detail,
    events_visible,
    payment_detail,
    payments_visible,
    posted_sa_types,
    tenders_visible,
)
from ..services import cancel, controls, distribution, events, freeze, noncis, receipts, transfer
from . import serializers as s
from .external_ids import DUPLICATE_ERRORS, external_id_original


def _payments(request):
    """Payments the user may see: those of private customers only with the permission to
    see private accounts (DESIGN §8); anything else is a 404, like a missing id."""
    return payments_visible(user=request.user)


def _events(request):
    return events_visible(user=request.user)


def _tenders(request):
    """issue 7 item 10: tender ids are sequential; a hidden tender is a missing one."""
    return tenders_visible(user=request.user)


def needs(*perms: str) -> type[BasePermission]:
    """A permission class requiring all of `perms` (explicit, per action)."""

    class Needs(BasePermission):
        def has_permission(self, request, view) -> bool:
            return bool(request.user and request.user.is_authenticated) and (
                request.user.has_perms(perms)
            )

    Needs.__name__ = f"Needs({', '.join(perms)})"
    return Needs


VIEW = needs("payments.view_payment")
ADD = needs("payments.add_payment")
CHANGE = needs("payments.change_payment")
DELETE = needs("payments.delete_payment")
CONTROLS = needs("payments.add_depositcontrol", "payments.change_tendercontrol")

ERROR_RESPONSES = {
    400: OpenApiResponse(description="A payment rule refused the request (message in detail)"),
    409: OpenApiResponse(description="Not allowed in the record's current state"),
}


class PaymentAPIView(APIView):
    """Maps service errors: a broken rule is 400, a wrong state 409."""

    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError):
            # a model check (`full_clean` in a service) the serializer did not pre-empt,
            # answered by field name
            return Response(validation_error_data(exc), status=status.HTTP_400_BAD_REQUEST)
        if isinstance(exc, PaymentStateError):
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        if isinstance(exc, PaymentError):
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return super().handle_exception(exc)

    def parse(self, serializer_class, data):
        # the request lets related fields offer only what the user may see (item 11)
        serializer = serializer_class(data=data, context={"request": self.request})
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


def _event_out(event: PaymentEvent, code=status.HTTP_200_OK) -> Response:
    return Response(s.PaymentEventSerializer(event_detail(pk=event.pk)).data, status=code)


def _payment_out(payment: Payment) -> Response:
    return Response(s.PaymentSerializer(payment_detail(pk=payment.pk)).data)


# -- configuration ---------------------------------------------------------------------


class TenderTypeList(generics.ListAPIView):
    """Active tender types."""

    permission_classes = [VIEW]
    serializer_class = s.TenderTypeSerializer
    queryset = TenderType.objects.filter(is_active=True)
    pagination_class = None


class TenderSourceList(generics.ListAPIView):
    """Active tender sources."""

    permission_classes = [VIEW]
    serializer_class = s.TenderSourceSerializer
    queryset = TenderSource.objects.filter(is_active=True)
    pagination_class = None


class CancelReasonList(generics.ListAPIView):
    """Active payment cancel reasons and what each does."""

    permission_classes = [VIEW]
    serializer_class = s.CancelReasonSerializer
    queryset = PaymentCancelReason.objects.filter(is_active=True)
    pagination_class = None


class DistributionCodeList(generics.ListAPIView):
    """Distribution codes for non-CIS payments."""

    permission_classes = [VIEW]
    serializer_class = s.DistributionCodeSerializer
    queryset = DistributionCode.objects.filter(is_active=True)
    pagination_class = None


# -- events ----------------------------------------------------------------------------


class PaymentEventCreate(PaymentAPIView):
    permission_classes = [ADD]

    @extend_schema(
        request=s.PaymentEventInSerializer,
        responses={201: s.PaymentEventSerializer, **ERROR_RESPONSES},
    )
    @idempotent
    def post(self, request):
        """Add a payment event: tenders and the payments they fund (totals must match), then
        distribute and freeze, distribute only (manual), or leave undistributed. An
        `external_id` posted before answers its event (200) instead of adding another."""
        v = self.parse(s.PaymentEventInSerializer, request.data)
        # (the visible events' queryset is built only for an external id: ORM work)
        if v["external_id"] and (original := external_id_original(visible=_events(request), v=v)):
            return _event_out(original)
        try:
            posted = self._create(request, v)
        except DUPLICATE_ERRORS:
            # a twin with the same external id committed since the lookup above
            if original := external_id_original(visible=_events(request), v=v):
                return _event_out(original)
            raise
        # answered from what was written, without reading it back
        return Response(
            s.posted_event_data(posted, sa_types=posted_sa_types(posted=posted)),
            status=status.HTTP_201_CREATED,
        )

    @staticmethod
    def _create(request, v):
        return events.payment_event_post(
            tender_source=v["tender_source"],
            payment_date=v["payment_date"],
            tenders=[events.TenderIn(**t) for t in v["tenders"]],
            payments=[s.PaymentInSerializer.service_value(p) for p in v["payments"]],
            mode=v["mode"],
            comments=v["comments"],
            external_id=v["external_id"],
            user=request.user,
        )


class PaymentEventDetail(PaymentAPIView):
    def get_permissions(self):
        return [DELETE()] if self.request.method == "DELETE" else [VIEW()]

    @extend_schema(responses=s.PaymentEventSerializer)
    def get(self, request, pk: int):
        """An event with its tenders, payments and pay segments."""
        return _event_out(get_object_or_404(_events(request), pk=pk))

    @extend_schema(responses={204: None, **ERROR_RESPONSES})
    def delete(self, request, pk: int):
        """Delete an event none of whose payments was ever frozen (no financial impact)."""
        events.payment_event_delete(event=get_object_or_404(_events(request), pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PaymentEventAddPayment(PaymentAPIView):
    permission_classes = [ADD]

    @extend_schema(
        request=s.PaymentAddSerializer, responses={201: s.PaymentSerializer, **ERROR_RESPONSES}
    )
    @idempotent
    def post(self, request, pk: int):
        """Add a payment to an existing tender: apply money left unapplied by a cancel."""
        v = self.parse(s.PaymentAddSerializer, request.data)
        payment = events.payment_add(
            event=get_object_or_404(_events(request), pk=pk),
            payment=s.PaymentInSerializer.service_value(v["payment"]),
            mode=v["mode"],
            user=request.user,
        )
        response = _payment_out(payment)
        response.status_code = status.HTTP_201_CREATED
        return response


class PaymentEventAllocation(PaymentAPIView):
    permission_classes = [ADD]

    @extend_schema(
        request=s.AllocationSerializer, responses={200: s.PaymentEventSerializer, **ERROR_RESPONSES}
    )
    def put(self, request, pk: int):
        """Replace the unfrozen payments of an event by a new allocation across accounts."""
        v = self.parse(s.AllocationSerializer, request.data)
        event = get_object_or_404(_events(request), pk=pk)
        events.payment_event_allocation_update(
            event=event,
            payments=[s.PaymentInSerializer.service_value(p) for p in v["payments"]],
            mode=v["mode"],
            user=request.user,
        )
        return _event_out(event)


# -- payments --------------------------------------------------------------------------


class PaymentDetail(PaymentAPIView):
    def get_permissions(self):
        return [DELETE()] if self.request.method == "DELETE" else [VIEW()]

    @extend_schema(responses=s.PaymentSerializer)
    def get(self, request, pk: int):
        """A payment with its pay segments and their FTs."""
        return _payment_out(get_object_or_404(_payments(request), pk=pk))

    @extend_schema(responses={204: None, **ERROR_RESPONSES})
    def delete(self, request, pk: int):
        """Delete an unfrozen payment (the last one of an event takes its tenders along)."""
        events.payment_delete(payment=get_object_or_404(_payments(request), pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PaymentDistribute(PaymentAPIView):
    permission_classes = [ADD]

    @extend_schema(
        request=s.DistributeSerializer, responses={200: s.PaymentSerializer, **ERROR_RESPONSES}
    )
    def post(self, request, pk: int):
        """(Re)distribute an unfrozen payment, by rule or by manual amounts per SA."""
        v = self.parse(s.DistributeSerializer, request.data)
        payment = distribution.payment_distribute(
            payment=get_object_or_404(_payments(request), pk=pk),
            sa_amounts=s._sa_amounts(v["sa_amounts"]),
            user=request.user,
        )
        return _payment_out(payment)


class PaymentFreeze(PaymentAPIView):
    permission_classes = [ADD]

    @extend_schema(request=None, responses={200: s.PaymentSerializer, **ERROR_RESPONSES})
    def post(self, request, pk: int):
        """Freeze a distributed payment: its pay segments become FTs."""
        payment = freeze.payment_freeze(
            payment=get_object_or_404(_payments(request), pk=pk), user=request.user
        )
        return _payment_out(payment)


class PaymentRetry(PaymentAPIView):
    permission_classes = [ADD]

    @extend_schema(request=None, responses={200: s.PaymentSerializer, **ERROR_RESPONSES})
    def post(self, request, pk: int):
        """Distribute and freeze a payment in Error again."""
        payment = events.payment_retry(
            payment=get_object_or_404(_payments(request), pk=pk), user=request.user
        )
        return _payment_out(payment)


class PaymentCancel(PaymentAPIView):
    permission_classes = [CHANGE]

    @extend_schema(
        request=s.PaymentCancelInSerializer, responses={200: s.PaymentSerializer, **ERROR_RESPONSES}
    )
    @idempotent
    def post(self, request, pk: int):
        """Cancel a payment with a reason (a frozen one's FTs are reversed); its tender stays
        and the event waits for a new payment."""
        v = self.parse(s.PaymentCancelInSerializer, request.data)
        payment = cancel.payment_cancel(
            payment=get_object_or_404(_payments(request), pk=pk), user=request.user, **v
        )
        return _payment_out(payment)


class PaymentTransfer(PaymentAPIView):
    permission_classes = [CHANGE]

    @extend_schema(
        request=s.TransferSerializer, responses={200: s.PaymentEventSerializer, **ERROR_RESPONSES}
    )
    @idempotent
    def post(self, request, pk: int):
        """Transfer a frozen payment to other accounts / SAs (cancel + linked new payments)."""
        v = self.parse(s.TransferSerializer, request.data)
        payment = get_object_or_404(_payments(request), pk=pk)
        transfer.payment_transfer(
            payment=payment,
            reason=v["reason"],
            comment=v["comment"],
            mode=v["mode"],
            targets=[s.PaymentInSerializer.service_value(t) for t in v["targets"]],
            user=request.user,
        )
        return _event_out(payment.event)


class PDFRenderer(BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class PaymentReceipt(PaymentAPIView):
    permission_classes = [VIEW]
    renderer_classes = [PDFRenderer, JSONRenderer]

    def handle_exception(self, exc):
        # errors are JSON (as documented), whatever renderer the PDF was negotiated with
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response

    @extend_schema(
        parameters=[
            # not "format": DRF reserves that query parameter for choosing a renderer
            OpenApiParameter("layout", str, enum=ReceiptPrint.Format.values, default="short")
        ],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, **ERROR_RESPONSES},
    )
    def get(self, request, pk: int):
        """The receipt PDF of a frozen payment; every print after the first says DUPLICATE."""
        receipt_format = request.query_params.get("layout", "short")
        if receipt_format not in ReceiptPrint.Format.values:
            raise PaymentError(f"layout must be one of {', '.join(ReceiptPrint.Format.values)}")
        pdf = receipts.receipt_print(
            payment=get_object_or_404(_payments(request), pk=pk),
            layout=receipt_format,
            user=request.user,
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="receipt-{pk}.pdf"'
        return response


class PaymentReceiptEmail(PaymentAPIView):
    permission_classes = [VIEW]

    @extend_schema(
        request=s.ReceiptEmailSerializer,
        responses={202: s.ReceiptPrintSerializer, **ERROR_RESPONSES},
    )
    def post(self, request, pk: int):
        """Email the receipt PDF (sent after commit by a background task)."""
        v = self.parse(s.ReceiptEmailSerializer, request.data)
        receipt = receipts.receipt_email(
            payment=get_object_or_404(_payments(request), pk=pk),
            to=v["to"],
            layout=v["layout"],
            user=request.user,
        )
        return Response(s.ReceiptPrintSerializer(receipt).data, status=status.HTTP_202_ACCEPTED)


class AccountPaymentList(generics.ListAPIView):
    """An account's payments, newest first."""

    permission_classes = [VIEW]
    serializer_class = s.PaymentSerializer

    def get_queryset(self):
        account = get_object_or_404(
            accounts_visible(user=self.request.user), number=self.kwargs["number"]
        )
        return account_payments(account=account)


# -- tenders ---------------------------------------------------------------------------


class TenderCancel(PaymentAPIView):
    permission_classes = [CHANGE]

    @extend_schema(
        request=s.PaymentCancelInSerializer,
        responses={200: s.PaymentEventSerializer, **ERROR_RESPONSES},
    )
    @idempotent
    def post(self, request, pk: int):
        """Cancel a tender and its event's payments; an NSF reason levies the NSF charge,
        credit-rating and cash-only points, a collection review, and may stop autopay."""
        v = self.parse(s.PaymentCancelInSerializer, request.data)
        tender = cancel.tender_cancel(
            tender=get_object_or_404(_tenders(request), pk=pk), user=request.user, **v
        )
        return _event_out(tender.event)


class TenderReturn(PaymentAPIView):
    permission_classes = [CHANGE]

    @extend_schema(
        request=s.ReturnSerializer, responses={200: s.ReturnOutcomeSerializer, **ERROR_RESPONSES}
    )
    @idempotent
    def post(self, request, pk: int):
        """A returned payment in one step (reverse, reopen the debt, add the fee), with an
        optional re-presentment paying the same accounts again."""
        v = self.parse(s.ReturnSerializer, request.data)
        outcome = cancel.tender_return(
            tender=get_object_or_404(_tenders(request), pk=pk), user=request.user, **v
        )
        representment = event_detail(pk=outcome.representment.pk) if outcome.representment else None
        data = s.ReturnOutcomeSerializer(
            {"tender": outcome.tender, "representment": representment}
        ).data
        return Response(data)


# -- non-CIS and check cashing ---------------------------------------------------------


class NonCisPaymentCreate(PaymentAPIView):
    permission_classes = [ADD]

    @extend_schema(
        request=s.NonCisPaymentInSerializer,
        responses={201: s.PaymentEventSerializer, **ERROR_RESPONSES},
    )
    @idempotent
    def post(self, request):
        """A payment for something no account is billed for, credited to a distribution
        code's GL account."""
        v = self.parse(s.NonCisPaymentInSerializer, request.data)
        event = noncis.non_cis_payment_create(
            tender_source=v["tender_source"],
            payment_date=v["payment_date"],
            tenders=[events.TenderIn(**t) for t in v["tenders"]],
            payer_name=v["payer_name"],
            distribution_code=v["distribution_code"],
            comments=v["comments"],
            user=request.user,
        )
        return _event_out(event, status.HTTP_201_CREATED)


class CheckCashCreate(PaymentAPIView):
    permission_classes = [ADD]

    @extend_schema(
        request=s.CheckCashInSerializer,
        responses={201: s.PaymentEventSerializer, **ERROR_RESPONSES},
    )
    @idempotent
    def post(self, request):
        """Cash a check: the check tender and the cash handed back, no payment."""
        v = self.parse(s.CheckCashInSerializer, request.data)
        event = noncis.check_cash(user=request.user, **v)
        return _event_out(event, status.HTTP_201_CREATED)


# -- controls --------------------------------------------------------------------------


class DepositControlCreate(PaymentAPIView):
    permission_classes = [CONTROLS]

    @extend_schema(
        request=s.DepositControlInSerializer, responses={201: s.DepositControlSerializer}
    )
    def post(self, request):
        """Open a deposit control."""
        v = self.parse(s.DepositControlInSerializer, request.data)
        control = controls.deposit_control_create(user=request.user, **v)
        return Response(s.DepositControlSerializer(control).data, status=status.HTTP_201_CREATED)


class TenderControlCreate(PaymentAPIView):
    permission_classes = [CONTROLS]

    @extend_schema(
        request=s.TenderControlInSerializer,
        responses={201: s.TenderControlSerializer, **ERROR_RESPONSES},
    )
    def post(self, request):
        """Open a tender control (a cashier's drawer) in an open deposit control."""
        v = self.parse(s.TenderControlInSerializer, request.data)
        control = controls.tender_control_open(cashier=request.user, **v)
        return Response(s.TenderControlSerializer(control).data, status=status.HTTP_201_CREATED)


class DepositControlBalance(PaymentAPIView):
    permission_classes = [CONTROLS]

    @extend_schema(request=None, responses={200: s.BalanceOutcomeSerializer, **ERROR_RESPONSES})
    def post(self, request, pk: int):
        """Balance a deposit: all its tender controls balanced, counts and totals agree."""
        outcome = controls.deposit_control_balance(
            deposit_control=get_object_or_404(DepositControl, pk=pk), user=request.user
        )
        return Response(s.BalanceOutcomeSerializer(outcome).data)


class TenderControlBalance(PaymentAPIView):
    permission_classes = [CONTROLS]

    @extend_schema(
        request=s.TenderControlBalanceSerializer,
        responses={200: s.BalanceOutcomeSerializer, **ERROR_RESPONSES},
    )
    def post(self, request, pk: int):
        """Close and balance a drawer against the counted tenders and total."""
        v = self.parse(s.TenderControlBalanceSerializer, request.data)
        outcome = controls.tender_control_balance(
            tender_control=get_object_or_404(TenderControl, pk=pk), user=request.user, **v
        )
        return Response(s.BalanceOutcomeSerializer(outcome).data)


class ControlReopen(PaymentAPIView):
    permission_classes = [CONTROLS]
    model = DepositControl
    out = s.DepositControlSerializer

    @extend_schema(request=None, responses={200: s.DepositControlSerializer, **ERROR_RESPONSES})
    def post(self, request, pk: int):
        """Reopen a Balancing control for corrections."""
        control = controls.control_reopen(
            control=get_object_or_404(self.model, pk=pk), user=request.user
        )
        # the documented shape: the whole control, as on create
        return Response(self.out(control).data)


class TenderControlReopen(ControlReopen):
    model = TenderControl
    out = s.TenderControlSerializer

    @extend_schema(request=None, responses={200: s.TenderControlSerializer, **ERROR_RESPONSES})
    def post(self, request, pk: int):
        """Reopen a Balancing tender control for corrections."""
        return super().post(request, pk)
