"""Accounts' own tabs and dashboard facts (seed 004 order: Customer, Contacts, Location,
Owner, Notes, History, ... Special Conditions). Later apps slot theirs in between by
`order` (e.g. Usage 70, Service Orders 80, Payments 90, Auto Pay 100, Arrangements 110)."""

import datetime as dt
from dataclasses import replace

from django.db.models import Q

from ..models import Contact, Note, SpecialCondition
from ..panel import (
    Facts,
    PanelContext,
    customer_sections_extra,
    facts_provider,
    history_actions,
    register_history_actions,
    register_tab,
)
from ..services.notes import NOTE_FIELDS
from .forms import AttachmentForm, NoteForm, OwnerForm
from .selectors.access import customer_visible
from .selectors.changes import (
    changes_for_account,
    changes_for_customer,
    changes_for_location,
    changes_for_object,
)
from .selectors.customer import customer_sections, message_center
from .selectors.dashboard import ledger_last_payment, panel_conditions_q, panel_notes_q
from .selectors.location import location_tab_data
from .selectors.records import (
    CHARGE_KINDS,
    HISTORY_VIEWS,
    account_history_rows,
    panel_conditions,
    panel_contacts,
    panel_note_get,
    panel_notes,
)
from .selectors.recurring import has_recurring_items
from .selectors.refunds import refunds_history_context


@facts_provider(order=10)
def ledger_facts(ctx: PanelContext, facts: Facts) -> None:
    """The fallback last payment: pay segment FTs on the ledger."""
    facts.last_payment = ledger_last_payment(account=ctx.account)


def _customer_context(ctx: PanelContext) -> dict:
    return {
        "party": ctx.customer,
        "role": "customer",
        "mc": message_center(ctx),
        "changes": changes_for_customer(customer_id=ctx.customer.pk),
        "account_changes": changes_for_account(account_id=ctx.account.pk, limit=10),
        **customer_sections(customer=ctx.customer, user=ctx.user),
        "extra_sections": customer_sections_extra(ctx),
    }


def _owner_context(ctx: PanelContext) -> dict:
    owner = ctx.location.owner
    initial = {"owner_number": owner.number if owner else ""}
    data = {"party": owner, "role": "owner", "owner_form": OwnerForm(initial=initial)}
    if owner is not None and customer_visible(user=ctx.user, customer=owner):
        data.update(customer_sections(customer=owner, user=ctx.user))
        data["changes"] = changes_for_customer(customer_id=owner.pk, limit=15)
    elif owner is not None:
        data["owner_private"] = True
    return data


def _location_context(ctx: PanelContext) -> dict:
    return {
        **location_tab_data(ctx),
        "changes": changes_for_location(location_id=ctx.location.pk),
    }


def _demographics():
    from .views import demographics  # the tab's forms live with its view

    return demographics


def _usage():
    from .views import usage  # the tab's query-string handling lives with its view

    return usage


def _recurring():
    from .views import recurring  # the tab's forms live with its view

    return recurring


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _notes_context(ctx: PanelContext) -> dict:
    params = ctx.request.GET
    search, level = params.get("q", "").strip(), params.get("level", "")
    notes = panel_notes(ctx, search=search, level=level if level in Note.Level.values else "")
    selected_id = _int(params.get("note"))
    selected = panel_note_get(ctx, pk=selected_id) if selected_id else None
    data = {"notes": notes, "selected": selected, "q": search, "level": level}
    if selected is not None:
        initial = {"level": selected.level, **{n: getattr(selected, n) for n in NOTE_FIELDS}}
        data.update(
            note=selected,
            form=NoteForm(initial=initial, editing=True),
            attach_form=AttachmentForm(),
            changes=changes_for_object(instance=selected),
        )
    return data


def _history_context(ctx: PanelContext) -> dict:
    params = ctx.request.GET
    view = params.get("view", "all")
    rows = account_history_rows(
        ctx,
        view=view,
        sa_id=_int(params.get("sa")),
        date_from=_date(params.get("from")),
        date_to=_date(params.get("to")),
    )
    actions = history_actions(ctx, [row.ft for row in rows])
    rows = [replace(row, actions=actions.get(row.ft.pk, [])) for row in rows]
    return {
        "rows": rows,
        "views": [(key, label) for key, (label, _) in HISTORY_VIEWS.items()],
        "view": view,
        "sas": list(ctx.account.agreements.select_related("sa_type")),
        "filters": params,
        **refunds_history_context(ctx),
    }


def _conditions_context(ctx: PanelContext) -> dict:
    params = ctx.request.GET
    active_only = params.get("active") == "1"
    search = params.get("q", "").strip()
    return {
        "conditions": panel_conditions(ctx, active_only=active_only, search=search),
        "active_only": active_only,
        "q": search,
    }


def _contacts_context(ctx: PanelContext) -> dict:
    contacts = panel_contacts(ctx)
    selected_id = _int(ctx.request.GET.get("contact"))
    selected = next((c for c in contacts if c.pk == selected_id), None)
    return {"contacts": contacts, "selected": selected or (contacts[0] if contacts else None)}


register_tab(
    key="customer",
    label="Customer",
    order=10,
    template="accounts/acp/tabs/customer.html",
    context=_customer_context,
)
register_tab(
    key="contacts",
    label="Contacts",
    order=20,
    template="accounts/acp/tabs/contacts.html",
    context=_contacts_context,
    has_records=lambda ctx: Contact.objects.filter(
        Q(customer_id=ctx.account.customer_id) | Q(location_id=ctx.account.location_id)
    ).exists(),
)
register_tab(
    key="location",
    label="Location",
    order=30,
    template="accounts/acp/tabs/location.html",
    context=_location_context,
)
register_tab(
    key="owner",
    label="Owner",
    order=40,
    template="accounts/acp/tabs/owner.html",
    context=_owner_context,
    # seed 004: only for rentals; otherwise the customer is the owner.
    visible=lambda ctx: ctx.location.is_rental,
)
register_tab(
    key="notes",
    label="Notes",
    order=50,
    template="accounts/acp/tabs/notes.html",
    context=_notes_context,
    has_records=lambda ctx: Note.objects.filter(panel_notes_q(ctx)).exists(),
)
register_tab(
    key="history",
    label="History",
    order=60,
    template="accounts/acp/tabs/history.html",
    context=_history_context,
)
register_tab(
    key="demographics",
    label="Demographics",
    order=65,
    template="accounts/acp/tabs/demographics.html",
    context=lambda ctx: _demographics().demographics_context(ctx),
    has_records=lambda ctx: _demographics().has_demographics(ctx),
)
register_tab(
    key="usage",
    label="Usage",
    order=70,
    template="accounts/acp/tabs/usage.html",
    context=lambda ctx: _usage().usage_context(ctx),
    has_records=lambda ctx: _usage().usage_tab_has_records(ctx),
)
register_tab(
    key="recurring_items",
    label="Recurring Items",
    order=105,  # seed 004: after Service Orders, before Arrangements
    template="accounts/acp/tabs/recurring.html",
    context=lambda ctx: _recurring().recurring_context(ctx),
    has_records=has_recurring_items,
)
register_tab(
    key="special_conditions",
    label="Special Conditions",
    order=120,
    template="accounts/acp/tabs/conditions.html",
    context=_conditions_context,
    has_records=lambda ctx: SpecialCondition.objects.filter(panel_conditions_q(ctx)).exists(),
)


def _history_charge_rows(ctx: PanelContext, fts: list) -> dict[int, dict]:
    """Charges (bill segments and adjustments) get an Adjust action for those who may post
    adjustments, Supervisors (seed 004 History actions; issue 8 item 6)."""
    if not ctx.user.has_perm("accounts.add_adjustment"):
        return {}
    return {ft.pk: {"ft": ft} for ft in fts if ft.kind in CHARGE_KINDS and ft.current_amount > 0}


register_history_actions(
    template="accounts/acp/history/_charge_actions.html", rows=_history_charge_rows
)


def _history_statement_rows(ctx: PanelContext, fts: list) -> dict[int, dict]:
    """Statement and Email Statement on each completed bill's first row (issue 13 item 1)."""
    from ..models import Bill, CustomerEmail

    first: dict[int, object] = {}
    for ft in fts:
        if (
            ft.bill_id
            and ft.kind == "bill_segment"
            and (ft.bill_id not in first or ft.pk < first[ft.bill_id].pk)
        ):
            first[ft.bill_id] = ft
    if not first:
        return {}
    complete = set(
        Bill.objects.filter(pk__in=first, status=Bill.Status.COMPLETE).values_list("pk", flat=True)
    )
    has_email = CustomerEmail.objects.filter(customer_id=ctx.account.customer_id).exists()
    has_duplicates = Contact.objects.filter(
        Q(customer_id=ctx.account.customer_id) | Q(location_id=ctx.account.location_id),
        notices=Contact.Notices.MAIL,
    ).exists()
    can_email = ctx.user.has_perm("accounts.add_note")
    return {
        ft.pk: {
            "ft": ft,
            "bill_id": bill_id,
            "has_email": has_email,
            "can_email": can_email,
            "has_duplicates": has_duplicates,
        }
        for bill_id, ft in first.items()
        if bill_id in complete
    }


register_history_actions(
    template="accounts/acp/history/_statement_actions.html", rows=_history_statement_rows
)
