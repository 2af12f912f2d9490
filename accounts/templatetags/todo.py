"""The header's To Do link with its count badge, on every panel page."""

from django import template

from ..acp.selectors.todo import todo_badge_count

register = template.Library()


@register.inclusion_tag("accounts/acp/todo/_header_link.html", takes_context=True)
def todo_header_link(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.has_perm("accounts.view_todoentry"):
        return {"show": False}
    return {"show": True, "todo_count": todo_badge_count(user=user)}
