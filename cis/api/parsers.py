"""JSON bodies with exact decimals: a JSON number becomes a `Decimal` with its literal
digits (never a float), so `MoneyField` can tell 70.10 from 7.01e1 and no cent is lost."""

import json
from decimal import Decimal

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class DecimalJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
            return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}")


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number this API accepts")
