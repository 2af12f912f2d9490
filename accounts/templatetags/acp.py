"""Template helpers of the Account Control Panel."""

from django import template
from django.utils.html import conditional_escape, format_html

from cis.money import money_format

register = template.Library()


@register.simple_tag
def widget(field, **attrs):
    """A form field's widget with the ARIA state its label and message need."""
    if field.field.required:
        attrs["aria-required"] = "true"
    if field.errors:
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.auto_id}_error"
    elif field.help_text:
        attrs["aria-describedby"] = f"{field.auto_id}_help"
    return field.as_widget(attrs=attrs)


@register.filter
def money(value) -> str:
    """$1,234.56 and -$12.00; blank for None (one convention: `cis.money.money_format`)."""
    return money_format(value)


@register.simple_tag
def icon(name: str, label: str = "", css: str = ""):
    """An SVG symbol from the inline sprite; decorative unless it has a label."""
    if label:
        return format_html(
            '<svg class="ico {}" role="img" aria-label="{}"><title>{}</title>'
            '<use href="#i-{}"></use></svg>',
            css,
            label,
            label,
            name,
        )
    return format_html(
        '<svg class="ico {}" aria-hidden="true" focusable="false"><use href="#i-{}"></use></svg>',
        css,
        name,
    )


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key, "")


@register.filter
def email_wrap(address) -> str:
    """An email address that may break before its "@" (and nowhere else unless it must),
    so a long one wraps in a narrow tile instead of overflowing it."""
    local, at, domain = str(address or "").partition("@")
    if not at:
        return conditional_escape(local)
    return format_html("{}<wbr>@{}", local, domain)


@register.filter
def personal_actions(ctx) -> list[dict]:
    """The apps' actions for the Personal Info section (`accounts.panel`)."""
    from ..panel import personal_actions as registered

    return registered(ctx) if ctx else []
