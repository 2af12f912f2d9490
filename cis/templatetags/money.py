"""`{% load money %}{{ amount|money }}`: the one way money is shown (cis.money.money_format)."""

from django import template

from cis.money import money_format

register = template.Library()


@register.filter(name="money")
def money(value) -> str:
    """$1,234.56 and -$12.00; blank for None."""
    return money_format(value)
