"""JSON errors everywhere under /api/ (issue 7 items 14, 23).

- `exception_handler` (DRF's EXCEPTION_HANDLER): DRF's own answers, plus a model check that
  a serializer did not pre-empt (Django `ValidationError`, answered with its field names),
  a refused business rule (`cis.errors.DomainError`) and a value the database can't take
  (`DataError`), each a 400 instead of a 500.
- `not_found` / `server_error` (Django's handler404 / handler500): JSON under /api/, the
  usual HTML pages elsewhere (a path converter that does not match, e.g. a non-integer
  id, is a 404 before any API view runs).
- `NulBytesMiddleware`: a NUL byte in the path or query string is a 400 everywhere, before
  a view sends it to PostgreSQL.
- `error_responses_hook`: documents the error answers every operation can give.
"""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.views import defaults
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from cis.errors import DomainError

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def validation_error_data(exc: DjangoValidationError) -> dict:
    """A model's `ValidationError` in DRF's shape: messages by field name, the rest under
    `non_field_errors` ("NON_FIELD_ERRORS" of `full_clean` included)."""
    if not hasattr(exc, "error_dict"):
        return {"detail": exc.messages}
    data: dict[str, list[str]] = {}
    for name, messages in exc.message_dict.items():
        key = "non_field_errors" if name == "__all__" else name
        data.setdefault(key, []).extend(messages)
    return data


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        return Response(validation_error_data(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DomainError):
        set_rollback()
        return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DataError):
        # A value no validation caught (the API's fields are meant to): refuse it, and
        # log it so the missing check gets written.
        logger.warning("database refused a value: %s", exc, exc_info=True)
        set_rollback()
        return Response(
            {"detail": "A value is out of the range the ledger can hold."},
            status=status.HTTP_400_BAD_REQUEST,
        )
    return drf_exception_handler(exc, context)


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)


class NulBytesMiddleware:
    """Refuse NUL bytes in the path and query string (PostgreSQL text can't hold them)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.GET
        if "\x00" in request.path_info or any(
            "\x00" in key or any("\x00" in v for v in query.getlist(key)) for key in query
        ):
            if _is_api(request):
                return JsonResponse({"detail": "Null characters are not allowed."}, status=400)
            return HttpResponseBadRequest("Null characters are not allowed.")
        return self.get_response(request)


# -- schema ----------------------------------------------------------------------------


_ERROR_REF = {"$ref": "#/components/schemas/Error"}
_VALIDATION_SCHEMA = {
    "type": "object",
    "description": "A message in `detail` (a string or a list of strings), or messages by "
    "input field name (lists of strings, nested as the input is).",
    "properties": {
        "detail": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
    },
    "additionalProperties": True,
}
_ERRORS = {
    "400": (
        "The input was refused (messages by field, or in `detail`)",
        {"$ref": "#/components/schemas/ValidationError"},
    ),
    "401": ("Not signed in: no or wrong credentials (see WWW-Authenticate)", _ERROR_REF),
    "403": ("Signed in without the permission this needs", _ERROR_REF),
    "404": ("No such record, or one the user may not see", _ERROR_REF),
}


def error_responses_hook(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation documents its 400, 401, 403 and
    404 answers with their JSON shape (a status an operation documents itself is kept,
    its JSON shape added when it only had a description)."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = {
        "type": "object",
        "properties": {"detail": {"type": "string", "description": "What went wrong."}},
        "required": ["detail"],
    }
    components["ValidationError"] = _VALIDATION_SCHEMA
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for code, (description, schema) in _ERRORS.items():
                response = responses.setdefault(code, {"description": description})
                response.setdefault("content", {"application/json": {"schema": schema}})
            for code, response in responses.items():
                if code.startswith(("4", "5")) and "content" not in response:
                    response["content"] = {"application/json": {"schema": _ERROR_REF}}
    return result
