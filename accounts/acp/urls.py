"""/acp/...: the Account Control Panel. Every account URL starts with its number, so one
place (panel_action) decides whether the user may see it."""

from django.urls import path

from .views import (
    customer,
    demographics,
    deposits,
    location,
    panel,
    records,
    recurring,
    refunds,
    standalone,
    statements,
    todo,
)

app_name = "acp"

A = "<str:number>/"

urlpatterns = [
    path("search/", panel.search, name="search"),
    # The To Do screen (issue 8 item 16); before the account URLs, which match any word.
    path("todo/", todo.todo_screen, name="todo"),
    path("todo/badge/", todo.todo_badge, name="todo-badge"),
    path("todo/<int:pk>/", todo.todo_detail, name="todo-detail"),
    path("todo/<int:pk>/<str:action>/", todo.todo_action, name="todo-action"),
    path("go/<str:what>/<str:direction>/", panel.step, name="step"),
    path("open/<str:what>/<str:number>/", panel.open_by, name="open"),
    # A customer or a location on its own page (issue 13 item 8).
    path("customer/<str:number>/", standalone.customer, name="customer"),
    path("location/<str:number>/", standalone.location, name="location"),
    path(A, panel.panel, name="panel"),
    path(A + "tab/<str:key>/", panel.panel_tab, name="tab"),
    path(A + "dashboard/", panel.panel_dashboard_part, name="dashboard"),
    # Customer tab
    path(A + "customer/id/", customer.customer_id, name="customer-id"),
    path(A + "customer/personal/", customer.personal, name="personal"),
    path(A + "customer/reveal/", customer.reveal, name="reveal"),
    path(A + "customer/notices/", customer.notices, name="notices"),
    path(A + "customer/documents/", customer.documents, name="documents"),
    path(A + "customer/documents/<int:pk>/file/", customer.document_file, name="document-file"),
    path(
        A + "customer/documents/<int:pk>/delete/",
        customer.document_delete,
        name="document-delete",
    ),
    path(A + "account/flags/", customer.account_flags, name="account-flags"),
    path(A + "<str:role>/points/<str:kind>/", customer.points, name="points"),
    path(
        A + "<str:role>/points/<str:kind>/<int:pk>/delete/",
        customer.point_delete,
        name="point-delete",
    ),
    # Codes and custom fields (customer or location)
    path(A + "<str:scope>/codes/", location.codes, name="codes"),
    path(A + "<str:scope>/codes/<int:pk>/delete/", location.code_delete, name="code-delete"),
    path(A + "<str:scope>/custom-fields/", location.custom_fields, name="custom-fields"),
    # Location and Owner tabs
    path(A + "location/details/", location.details, name="location-details"),
    path(A + "location/permits/", location.permits, name="permits"),
    path(A + "location/permits/<int:pk>/delete/", location.permit_delete, name="permit-delete"),
    path(A + "location/owner/", location.owner, name="owner"),
    path(A + "location/deposits/", deposits.deposits, name="deposits"),
    # History: adjust a charge (a Supervisor's)
    path(A + "demographics/", demographics.demographics, name="demographics"),
    path(A + "history/<int:ft>/adjust/", records.history_adjust, name="history-adjust"),
    # History: Statement, Email Statement (issue 13 item 1)
    path(A + "statements/<int:bill_id>.pdf", statements.statement, name="statement"),
    path(
        A + "statements/<int:bill_id>/duplicates.pdf",
        statements.statement_duplicates,
        name="statement-duplicates",
    ),
    path(
        A + "statements/<int:bill_id>/email/",
        statements.statement_email_view,
        name="statement-email",
    ),
    # History: Refund (issue 13 item 2)
    path(A + "refunds/new/", refunds.refund_new, name="refund-new"),
    path(A + "refunds/<int:pk>/<str:action>/", refunds.refund_action, name="refund-action"),
    # Notes
    path(A + "notes/new/", records.note_new, name="note-new"),
    path(A + "notes/<int:pk>/", records.note_detail, name="note"),
    path(A + "notes/<int:pk>/delete/", records.note_remove, name="note-delete"),
    path(A + "notes/<int:pk>/attachments/", records.note_attach, name="note-attach"),
    path(
        A + "notes/<int:pk>/attachments/<int:aid>/",
        records.note_attachment_file,
        name="note-attachment",
    ),
    # Contacts
    path(A + "contacts/new/", records.contact_new, name="contact-new"),
    path(A + "contacts/<int:pk>/", records.contact_edit, name="contact"),
    path(A + "contacts/<int:pk>/delete/", records.contact_remove, name="contact-delete"),
    path(A + "contacts/<int:pk>/<str:kind>/", records.contact_point, name="contact-point"),
    path(
        A + "contacts/<int:pk>/<str:kind>/<int:item_id>/delete/",
        records.contact_point_delete,
        name="contact-point-delete",
    ),
    # Special conditions
    path(A + "conditions/new/", records.condition_new, name="condition-new"),
    path(A + "conditions/<int:pk>/", records.condition_edit, name="condition"),
    # Recurring items
    path(A + "recurring/new/", recurring.recurring_new, name="recurring-new"),
    path(A + "recurring/<int:pk>/", recurring.recurring_detail, name="recurring"),
    # Anything else under an account number: the panel's own 404 (issue 8 item 14).
    path(A + "<path:rest>", panel.not_found, name="not-found"),
]
