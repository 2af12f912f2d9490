"""/api/v1/accounts/{number}/autopays/ and /api/v1/autopays/{id}/...: enrollment by API
(issue 10 item 1). Private accounts answer 404 to users who may not see them."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import accounts_visible

from ..models import Clearing, Enrollment
from ..selectors import account_clearings
from ..services.enrollment import autopay_change, autopay_enroll, autopay_stop
from ..services.manual import (
    clearing_create_manual,
    clearing_delete,
    clearing_freeze,
    clearing_redistribute,
)
from . import serializers as s


class _ByMethod(BasePermission):
    """The view's `perms[method]`, all of them; nothing for an unlisted method."""

    def has_permission(self, request, view) -> bool:
        wanted = view.perms.get(request.method)
        return bool(
            request.user and request.user.is_authenticated and wanted is not None
        ) and request.user.has_perms(wanted)


VIEW = ("autopay.view_enrollment",)
ADD = ("autopay.view_enrollment", "autopay.add_enrollment")
CHANGE = ("autopay.view_enrollment", "autopay.change_enrollment")


def _visible(request, model, pk: int):
    """One enrollment or clearing record of an account the caller may see, else 404."""
    return get_object_or_404(
        model.objects.select_related("account").filter(
            account__in=accounts_visible(user=request.user)
        ),
        pk=pk,
    )


class AccountAutopaysView(APIView):
    permission_classes = [_ByMethod]
    perms = {"GET": VIEW, "HEAD": VIEW, "OPTIONS": VIEW, "POST": ADD}

    @extend_schema(responses=s.EnrollmentSerializer(many=True))
    def get(self, request, number: str):
        """The account's enrollments, the running one first, then stopped ones."""
        account = get_object_or_404(accounts_visible(user=request.user), number=number)
        rows = Enrollment.objects.filter(account=account).select_related("account")
        rows = sorted(rows, key=lambda e: (e.stopped_on is not None, -e.pk))
        return Response(s.EnrollmentSerializer(rows, many=True).data)

    @extend_schema(request=s.EnrollmentInSerializer, responses={201: s.EnrollmentSerializer})
    def post(self, request, number: str):
        """Set up an automatic payment; 400 when the account has one running."""
        account = get_object_or_404(accounts_visible(user=request.user), number=number)
        data = s.EnrollmentInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enrollment = autopay_enroll(account=account, user=request.user, data=data.validated_data)
        return Response(s.EnrollmentSerializer(enrollment).data, status=status.HTTP_201_CREATED)


class AutopayDetailView(APIView):
    permission_classes = [_ByMethod]
    perms = {"GET": VIEW, "HEAD": VIEW, "OPTIONS": VIEW, "PATCH": CHANGE}

    @extend_schema(responses=s.EnrollmentSerializer)
    def get(self, request, pk: int):
        return Response(s.EnrollmentSerializer(_visible(request, Enrollment, pk)).data)

    @extend_schema(request=s.EnrollmentChangeSerializer, responses=s.EnrollmentSerializer)
    def patch(self, request, pk: int):
        """Change amount option, amount, notice, end date or bank details / card token."""
        enrollment = _visible(request, Enrollment, pk)
        data = s.EnrollmentChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enrollment = autopay_change(
            enrollment=enrollment, user=request.user, data=data.validated_data
        )
        return Response(s.EnrollmentSerializer(enrollment).data)


class AutopayStopView(APIView):
    permission_classes = [_ByMethod]
    perms = {"OPTIONS": VIEW, "POST": CHANGE}  # a stop changes the enrollment

    @extend_schema(request=s.EnrollmentStopSerializer, responses=s.EnrollmentSerializer)
    def post(self, request, pk: int):
        """Stop it from today; stopping a stopped enrollment answers it unchanged."""
        enrollment = _visible(request, Enrollment, pk)
        data = s.EnrollmentStopSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enrollment = autopay_stop(
            enrollment=enrollment,
            user=request.user,
            reason=data.validated_data["reason"],
            comment=data.validated_data["comment"],
        )
        return Response(s.EnrollmentSerializer(enrollment).data)


# -- autopay payments (clearing records), seed 001 steps 3.1-4.9 ---------------------------

CLEARING_VIEW = ("autopay.view_clearing",)
CLEARING_ADD = ("autopay.view_clearing", "autopay.add_clearing")
CLEARING_CHANGE = ("autopay.view_clearing", "autopay.change_clearing")


class AccountAutopayPaymentsView(APIView):
    permission_classes = [_ByMethod]
    perms = {"GET": CLEARING_VIEW, "HEAD": CLEARING_VIEW, "OPTIONS": CLEARING_VIEW}
    perms |= {"POST": CLEARING_ADD}

    @extend_schema(responses=s.ClearingSerializer(many=True))
    def get(self, request, number: str):
        """The account's autopay payments, newest extract date first."""
        account = get_object_or_404(accounts_visible(user=request.user), number=number)
        rows = account_clearings(account=account)
        return Response(s.ClearingSerializer(rows, many=True).data)

    @extend_schema(request=s.ClearingInSerializer, responses={201: s.ClearingSerializer})
    def post(self, request, number: str):
        """Create an autopay payment now for the running enrollment."""
        account = get_object_or_404(accounts_visible(user=request.user), number=number)
        data = s.ClearingInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        clearing = clearing_create_manual(
            account=account,
            user=request.user,
            amount=data.validated_data["amount"],
            freeze=data.validated_data["freeze"],
        )
        return Response(s.ClearingSerializer(clearing).data, status=status.HTTP_201_CREATED)


class AutopayPaymentDetailView(APIView):
    permission_classes = [_ByMethod]
    perms = {"GET": CLEARING_VIEW, "HEAD": CLEARING_VIEW, "OPTIONS": CLEARING_VIEW}

    @extend_schema(responses=s.ClearingSerializer)
    def get(self, request, pk: int):
        return Response(s.ClearingSerializer(_visible(request, Clearing, pk)).data)


class AutopayPaymentFreezeView(APIView):
    permission_classes = [_ByMethod]
    perms = {"OPTIONS": CLEARING_VIEW, "POST": CLEARING_CHANGE}

    @extend_schema(request=None, responses=s.ClearingSerializer)
    def post(self, request, pk: int):
        """Distribute and freeze a created autopay payment."""
        clearing = clearing_freeze(clearing=_visible(request, Clearing, pk), user=request.user)
        return Response(s.ClearingSerializer(clearing).data)


class AutopayPaymentRedistributeView(APIView):
    permission_classes = [_ByMethod]
    perms = {"OPTIONS": CLEARING_VIEW, "POST": CLEARING_CHANGE}

    @extend_schema(request=s.ClearingRedistributeSerializer, responses=s.ClearingSerializer)
    def post(self, request, pk: int):
        """Cancel the frozen payment (with a reason) and distribute the tender again."""
        data = s.ClearingRedistributeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        clearing = clearing_redistribute(
            clearing=_visible(request, Clearing, pk),
            user=request.user,
            reason_code=data.validated_data["reason"],
            comment=data.validated_data["comment"],
        )
        return Response(s.ClearingSerializer(clearing).data)


class AutopayPaymentDeleteView(APIView):
    permission_classes = [_ByMethod]
    perms = {"OPTIONS": CLEARING_VIEW, "POST": CLEARING_CHANGE}

    @extend_schema(request=s.ClearingDeleteSerializer, responses=s.ClearingSerializer)
    def post(self, request, pk: int):
        """Delete an autopay payment not yet extracted: tender, payment and record
        cancelled, with the comment."""
        data = s.ClearingDeleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        clearing = clearing_delete(
            clearing=_visible(request, Clearing, pk),
            user=request.user,
            comment=data.validated_data["comment"],
            reason_code=data.validated_data["reason"],
        )
        return Response(s.ClearingSerializer(clearing).data)
