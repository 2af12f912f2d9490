from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import DjangoModelPermissions
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import Account, Adjustment, Bill
from ..selectors import account_aging, accounts_visible, rows_visible
from ..services.adjustments import AdjustmentError, adjustment_cancel, adjustment_create
from ..services.bills import BillError, bill_complete, bill_create
from . import serializers as s


class AccountDetailView(APIView):
    queryset = Account.objects.all()
    permission_classes = [DjangoModelPermissions]

    @extend_schema(responses=s.AccountSerializer)
    def get(self, request, number: str):
        """An account with its service agreements and cached balance."""
        account = get_object_or_404(
            accounts_visible(user=request.user)
            .prefetch_related("agreements__sa_type")
            .select_related("customer", "location"),
            number=number,
        )
        return Response(s.AccountSerializer(account).data)


class AccountAgingView(APIView):
    queryset = Account.objects.all()
    permission_classes = [DjangoModelPermissions]

    @extend_schema(responses=s.AgingSerializer)
    def get(self, request, number: str):
        """Balance, past due and aging buckets as of today."""
        aging = account_aging(
            account=get_object_or_404(accounts_visible(user=request.user), number=number)
        )
        data = {f: getattr(aging, f) for f in s.AgingSerializer().fields}
        return Response(s.AgingSerializer(data).data)


class BillCreateView(APIView):
    queryset = Bill.objects.all()
    permission_classes = [DjangoModelPermissions]

    @extend_schema(request=s.BillInSerializer, responses={201: s.BillSerializer})
    def post(self, request):
        """Load a bill (one segment per SA) and, by default, complete it."""
        data = s.BillInSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        v = data.validated_data
        try:
            bill = bill_create(
                account=v["account"],
                bill_date=v["bill_date"],
                due_date=v["due_date"],
                segments={seg["sa"]: seg["amount"] for seg in v["segments"]},
            )
            if v["complete"]:
                bill = bill_complete(bill=bill)
        except BillError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(s.BillSerializer(bill).data, status=status.HTTP_201_CREATED)


class AdjustmentCreateView(APIView):
    queryset = Adjustment.objects.all()
    permission_classes = [DjangoModelPermissions]

    @extend_schema(request=s.AdjustmentInSerializer, responses={201: s.AdjustmentSerializer})
    def post(self, request):
        """Post an adjustment (positive charges, negative credits)."""
        data = s.AdjustmentInSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        try:
            adjustment = adjustment_create(user=request.user, **data.validated_data)
        except AdjustmentError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(s.AdjustmentSerializer(adjustment).data, status=status.HTTP_201_CREATED)


class AdjustmentCancelView(APIView):
    queryset = Adjustment.objects.all()
    permission_classes = [DjangoModelPermissions]

    @extend_schema(request=s.CancelSerializer, responses=s.AdjustmentSerializer)
    def post(self, request, pk: int):
        """Cancel an adjustment with a reason; a reversing FT is posted."""
        data = s.CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visible = rows_visible(
            Adjustment.objects.all(), user=request.user, via="sa__account__customer"
        )
        adjustment = get_object_or_404(visible, pk=pk)
        try:
            adjustment = adjustment_cancel(
                adjustment=adjustment, reason=data.validated_data["reason"]
            )
        except AdjustmentError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(s.AdjustmentSerializer(adjustment).data)


class AccountRefundsView(APIView):
    queryset = Account.objects.all()
    permission_classes = [DjangoModelPermissions]

    @extend_schema(responses=s.RefundSerializer(many=True))
    def get(self, request, number: str):
        """The account's refunds, newest first (read only; bank numbers masked)."""
        account = get_object_or_404(accounts_visible(user=request.user), number=number)
        return Response(s.RefundSerializer(account.refunds.all(), many=True).data)
