"""/acp/<number>/payments/...: the Payments tab's actions (issue 4 item 9), mounted beside the
accounts panel's own URLs under /acp/ so every panel URL starts with the account number."""

from django.urls import path

from . import upload_exception_views as exceptions
from . import upload_views, views
from .processors import views as processor_views

app_name = "payacp"

A = "<str:number>/payments/"

urlpatterns = [
    path("uploads/", upload_views.upload_screen, name="uploads"),
    path("sandbox/card-form/", processor_views.sandbox_card_form, name="sandbox-card-form"),
    path("uploads/exceptions/", exceptions.exceptions_screen, name="upload-exceptions"),
    path("uploads/exceptions/<int:pk>/", exceptions.exception_detail, name="upload-exception"),
    path(
        "uploads/exceptions/<int:pk>/correct/",
        exceptions.exception_correct,
        name="upload-exception-correct",
    ),
    path(
        "uploads/exceptions/<int:pk>/recheck/",
        exceptions.exception_recheck,
        name="upload-exception-recheck",
    ),
    path(
        "uploads/suspense/<int:pk>/transfer/",
        exceptions.suspense_transfer,
        name="upload-suspense-transfer",
    ),
    path(A + "deferred/", views.deferred_section, name="deferred"),
    path(A + "deferred/<int:pk>/", views.deferred_set, name="deferred-set"),
    path(A + "quick/", views.quick_add, name="payment-quick"),
    path(A + "event/", views.event_new, name="payment-event"),
    path(A + "<int:pk>/receipt/", views.receipt, name="payment-receipt"),
    path(A + "<int:pk>/<str:action>/", views.payment_action, name="payment-action"),
]
