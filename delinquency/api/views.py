"""/api/v1/accounts/{number}/arrangements/ and /api/v1/arrangements/{id}/: payment
arrangements by API (issue 12 item 5). Private accounts answer 404 to users who may not
see them; a refused rule (delinquency.services.arrangements.ArrangementError) is a 400."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ServiceAgreement
from accounts.selectors import accounts_visible

from ..models import Arrangement
from ..services.arrangements import arrangement_create, arrangement_delete
from . import serializers as s


class _ByMethod(BasePermission):
    def has_permission(self, request, view) -> bool:
        wanted = view.perms.get(request.method)
        return bool(
            request.user and request.user.is_authenticated and wanted is not None
        ) and request.user.has_perms(wanted)


VIEW = ("delinquency.view_arrangement",)
ADD = (*VIEW, "delinquency.add_arrangement")
DELETE = (*VIEW, "delinquency.delete_arrangement")


def _rows():
    return Arrangement.objects.select_related("account", "created_by").prefetch_related(
        "installments", "sas"
    )


class AccountArrangementsView(APIView):
    permission_classes = [_ByMethod]
    perms = {"GET": VIEW, "HEAD": VIEW, "OPTIONS": VIEW, "POST": ADD}

    @extend_schema(responses=s.ArrangementSerializer(many=True))
    def get(self, request, number: str):
        """The account's arrangements, newest first, with their payments."""
        account = get_object_or_404(accounts_visible(user=request.user), number=number)
        rows = _rows().filter(account=account).order_by("-created_at", "-pk")
        return Response(s.ArrangementSerializer(rows, many=True).data)

    @extend_schema(request=s.ArrangementInSerializer, responses={201: s.ArrangementSerializer})
    def post(self, request, number: str):
        """Set up an arrangement; 400 when a rule refuses it (no balance, one active
        already, unposted transactions, amount above the services' balance...)."""
        account = get_object_or_404(accounts_visible(user=request.user), number=number)
        data = s.ArrangementInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        ids = set(values["sas"])
        sas = list(ServiceAgreement.objects.filter(account=account, pk__in=ids))
        if len(sas) != len(ids):
            raise ValidationError({"sas": ["Unknown service for this account."]})
        arrangement = arrangement_create(
            account=account,
            sas=sas,
            amount=values["amount"],
            installments_count=values["installments_count"],
            frequency=values["frequency"],
            start_on=values["start_on"],
            description=values["description"],
            user=request.user,
        )
        return Response(
            s.ArrangementSerializer(_rows().get(pk=arrangement.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class ArrangementDetailView(APIView):
    permission_classes = [_ByMethod]
    perms = {"GET": VIEW, "HEAD": VIEW, "OPTIONS": VIEW, "DELETE": DELETE}

    def _get(self, request, pk: int) -> Arrangement:
        return get_object_or_404(
            _rows().filter(account__in=accounts_visible(user=request.user)), pk=pk
        )

    @extend_schema(responses=s.ArrangementSerializer)
    def get(self, request, pk: int):
        return Response(s.ArrangementSerializer(self._get(request, pk)).data)

    @extend_schema(
        parameters=[OpenApiParameter("reason", str, required=False, description="Or in the body.")],
        request=s.ArrangementDeleteSerializer,
        responses=s.ArrangementSerializer,
    )
    def delete(self, request, pk: int):
        """Delete (cancel) an active arrangement with a `reason`: its open payments are
        cancelled and it no longer protects the account. The record stays."""
        arrangement = self._get(request, pk)
        body = request.data if hasattr(request.data, "get") else {}
        reason = body.get("reason") or request.query_params.get("reason", "")
        data = s.ArrangementDeleteSerializer(data={"reason": reason})
        data.is_valid(raise_exception=True)
        arrangement_delete(
            arrangement=arrangement, user=request.user, reason=data.validated_data["reason"]
        )
        return Response(s.ArrangementSerializer(_rows().get(pk=arrangement.pk)).data)
