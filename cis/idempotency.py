"""Safe retries of money-moving API requests (issue 7 item 16).

A client that sends `Idempotency-Key: <its own unique string>` with a POST may send the
same request again (after a timeout, a dropped connection, a crash) and get the first
result back, 200 with the original body and `Idempotent-Replayed: true`, instead of moving
the money twice. The same key with another endpoint or body is a 409; so is a key whose
first request is still running (on PostgreSQL the second request waits for the first
instead, then answers its result).

The key row is inserted first, inside the same transaction as the request's effect: the
unique constraint makes a concurrent twin wait on the row, and a request that fails rolls
its key back with everything else, so it can be corrected and sent again under that key.
Keys are kept `OPENCIS_IDEMPOTENCY_KEY_DAYS` days (batch job `purge_idempotency_keys`).
"""

import functools
import hashlib
import json
import re
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.response import Response

from cis.batch import BatchJob, ChunkResult, register
from cis.models import IdempotencyKey

HEADER = "Idempotency-Key"
_VALID_KEY = re.compile(r"[\x21-\x7e]{1,255}")  # visible ASCII, as in a header token

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="A unique string of your choosing (1-255 visible ASCII characters, e.g. a "
    "UUID). Repeating the request with the same key returns the first result (200) instead "
    "of running it again; another request under the same key is a 409. Kept for "
    "OPENCIS_IDEMPOTENCY_KEY_DAYS days (default 7).",
)


class IdempotencyConflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_conflict"


def _request_hash(request) -> str:
    data = request.data
    if isinstance(data, QueryDict):
        data = {k: data.getlist(k) for k in sorted(data)}
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(record: IdempotencyKey, method: str, path: str, request_hash: str) -> Response:
    if (record.method, record.path, record.request_hash) != (method, path, request_hash):
        raise IdempotencyConflict(
            f"This {HEADER} was used for a different request; use a new key for a new request."
        )
    if not record.response_status:
        raise IdempotencyConflict(f"A request with this {HEADER} is still in progress.")
    replay_status = status.HTTP_200_OK if record.response_status == 201 else record.response_status
    return Response(
        record.response_body, status=replay_status, headers={"Idempotent-Replayed": "true"}
    )


def idempotent(handler):
    """Decorate an APIView handler (`post`) that moves money: with an `Idempotency-Key`
    header it runs at most once per user and key; without one it runs as before."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        if not _VALID_KEY.fullmatch(key):
            raise ParseError(f"{HEADER} must be 1 to 255 visible ASCII characters.")
        method, path, request_hash = request.method, request.path, _request_hash(request)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    # waits here while a concurrent twin holds the same (user, key)
                    record = IdempotencyKey.objects.create(
                        key=key,
                        user=request.user,
                        method=method,
                        path=path[:255],
                        request_hash=request_hash,
                    )
            except IntegrityError:
                record = IdempotencyKey.objects.get(user=request.user, key=key)
                return _replay(record, method, path[:255], request_hash)
            response = handler(view, request, *args, **kwargs)
            if status.is_success(response.status_code):
                record.response_status = response.status_code
                record.response_body = getattr(response, "data", None)
                record.save(update_fields=["response_status", "response_body"])
            else:
                record.delete()  # nothing to replay: a retry under this key runs again
            return response

    return extend_schema(parameters=[IDEMPOTENCY_PARAMETER])(wrapper)


# -- expiry ------------------------------------------------------------------------------


def _expired_keys(business_date: date):
    days = getattr(settings, "OPENCIS_IDEMPOTENCY_KEY_DAYS", 7)
    cutoff = timezone.make_aware(datetime.combine(business_date - timedelta(days=days), time()))
    return IdempotencyKey.objects.filter(created_at__lt=cutoff)


def _purge(keys: list[IdempotencyKey], business_date: date) -> ChunkResult:
    deleted, _ = IdempotencyKey.objects.filter(pk__in=[k.pk for k in keys]).delete()
    return ChunkResult(done=deleted)


register(
    BatchJob(
        name="purge_idempotency_keys",
        description="Delete stored Idempotency-Key results older than "
        "OPENCIS_IDEMPOTENCY_KEY_DAYS days before the business date (a retry after that "
        "runs again).",
        select=_expired_keys,
        process=_purge,
    )
)
