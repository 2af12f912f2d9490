"""Template filters for the Usage tab."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def quantity(value) -> str:
    """A meter quantity as a CSR reads it: thousands grouped, no trailing zeros
    (1,028.5 KGAL, 800 KWH); blank for None."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value).normalize():,f}"
