"""/acp/todo/...: the To Do screen (issue 8 item 16; seed 003 steps 7.5-8.3, seed 001 step
2.1) and the panel's home page, the CSR's start: my open entries, recently opened accounts
and the cards other apps register (payments: today's payments taken by me).

An action answers with the entry's detail and an `acp-todo-changed` event, on which the
list and the header's badge refresh themselves."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from ...panel import home_cards
from ...services.work import (
    REASSIGN_PERMISSION,
    WORK_PERMISSION,
    todo_assign,
    todo_comment,
    todo_complete,
    todo_reassign,
)
from ..selectors.todo import (
    TodoFilters,
    my_open_todos,
    recent_accounts,
    todo_badge_count,
    todo_filter_choices,
    todo_get,
    todo_list,
    todo_log,
    todo_workers,
)
from ..todo import todo_links

VIEW_PERMISSION = "accounts.view_todoentry"
CHANGED = "acp-todo-changed"


class CommentForm(forms.Form):
    text = forms.CharField(
        label="Comment", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class CompleteForm(forms.Form):
    resolution = forms.CharField(
        label="Resolution", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class ReassignForm(forms.Form):
    to_user = forms.ModelChoiceField(label="Reassign to", queryset=None, empty_label="Choose…")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = todo_workers()
        self.fields["to_user"].label_from_instance = lambda u: u.get_full_name() or u.username


def _require_view(request: HttpRequest) -> None:
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied


def _detail_context(request: HttpRequest, entry, **forms_) -> dict:
    return {
        "entry": entry,
        "links": todo_links(request.user, entry),
        "log": todo_log(entry=entry),
        "comment_form": forms_.get("comment_form") or CommentForm(),
        "complete_form": forms_.get("complete_form") or CompleteForm(),
        "reassign_form": forms_.get("reassign_form") or ReassignForm(),
        "can_work": request.user.has_perm(WORK_PERMISSION),
        "can_reassign": request.user.has_perm(REASSIGN_PERMISSION),
        "error": forms_.get("error", ""),
        "message": forms_.get("message", ""),
    }


@require_GET
@login_required
def todo_screen(request: HttpRequest) -> HttpResponse:
    """The list with its filters; ?entry= opens one below it. An htmx request for the list
    alone (the filters changed, or an entry changed) gets the list only."""
    _require_view(request)
    filters = TodoFilters.from_query(request.GET)
    context = {
        "filters": filters,
        "entries": todo_list(user=request.user, filters=filters),
        "query": request.GET.urlencode(),
        **todo_filter_choices(),
    }
    if request.htmx and request.htmx.target == "todo-list":
        response = render(request, "accounts/acp/todo/_list.html", context)
    else:
        entry_pk = request.GET.get("entry", "")
        if entry_pk.isdigit():
            entry = todo_get(user=request.user, pk=int(entry_pk))
            context.update(_detail_context(request, entry))
        response = render(request, "accounts/acp/todo/screen.html", context)
    # The filters push this URL: the list alone and the whole page must not share a cache
    # entry, or Back shows the bare list.
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@require_GET
@login_required
def todo_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    entry = todo_get(user=request.user, pk=pk)
    if not request.htmx:
        return redirect(f"{reverse('acp:todo')}?entry={entry.pk}")
    return render(request, "accounts/acp/todo/_detail.html", _detail_context(request, entry))


@require_GET
@login_required
def todo_badge(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    return render(
        request,
        "accounts/acp/todo/_badge.html",
        {"todo_count": todo_badge_count(user=request.user)},
    )


_MESSAGES = {
    "assign": "Assigned to you.",
    "comment": "Comment added.",
    "complete": "Completed.",
    "reassign": "Reassigned to {name}.",
}


@require_POST
@login_required
def todo_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Assign to me, comment, complete (with a resolution), reassign (supervisors)."""
    _require_view(request)
    permission = REASSIGN_PERMISSION if action == "reassign" else WORK_PERMISSION
    if action not in _MESSAGES:
        raise Http404
    if not request.user.has_perm(permission):
        raise PermissionDenied
    entry = todo_get(user=request.user, pk=pk)
    form_name, form = None, None
    try:
        if action == "assign":
            todo_assign(todo=entry, user=request.user)
        elif action == "comment":
            form_name, form = "comment_form", CommentForm(request.POST)
            if form.is_valid():
                todo_comment(todo=entry, user=request.user, text=form.cleaned_data["text"])
        elif action == "complete":
            form_name, form = "complete_form", CompleteForm(request.POST)
            if form.is_valid():
                todo_complete(
                    todo=entry, user=request.user, resolution=form.cleaned_data["resolution"]
                )
        else:
            form_name, form = "reassign_form", ReassignForm(request.POST)
            if form.is_valid():
                todo_reassign(todo=entry, user=request.user, to_user=form.cleaned_data["to_user"])
    except ValidationError as e:
        if form is not None and hasattr(e, "error_dict"):
            for field, errors in e.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            error = ""
        else:
            error = " ".join(e.messages)
        return _answer(request, entry, form_name, form, error=error)
    if form is not None and not form.is_valid():
        return _answer(request, entry, form_name, form)
    message = _MESSAGES[action]
    if action == "reassign":
        user = form.cleaned_data["to_user"]
        message = message.format(name=user.get_full_name() or user.username)
    entry = todo_get(user=request.user, pk=pk)
    if not request.htmx:
        return redirect(f"{reverse('acp:todo')}?entry={entry.pk}")
    response = render(
        request, "accounts/acp/todo/_detail.html", _detail_context(request, entry, message=message)
    )
    response["HX-Trigger"] = CHANGED
    return response


def _answer(request, entry, form_name, form, *, error: str = "") -> HttpResponse:
    extra = {"error": error}
    if form_name:
        extra[form_name] = form
    entry = todo_get(user=request.user, pk=entry.pk)
    return render(
        request,
        "accounts/acp/todo/_detail.html",
        _detail_context(request, entry, **extra),
        status=422,
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The panel's home page: the CSR's start."""
    user = request.user
    can_todo = user.has_perm(VIEW_PERMISSION)
    context = {
        "my_todos": my_open_todos(user=user) if can_todo else [],
        "todo_count": todo_badge_count(user=user) if can_todo else 0,
        "can_todo": can_todo,
        "recent": recent_accounts(user=user) if user.has_perm("accounts.view_account") else [],
        "cards": home_cards(request),
    }
    return render(request, "home.html", context)
