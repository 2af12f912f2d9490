"""/acp/<number>/autopay/...: the Auto Payment sub-tab (seed 004)."""

from django.urls import path

from . import return_views, views

app_name = "autopay"

A = "<str:number>/autopay/"
P = A + "payments/<int:clearing_id>/"

urlpatterns = [
    path("autopay/returns/", return_views.returns_screen, name="returns"),
    path(A, views.autopay_section, name="section"),
    path(A + "enroll/", views.autopay_enroll_view, name="enroll"),
    path(A + "change/", views.autopay_change_view, name="change"),
    path(A + "stop/", views.autopay_stop_view, name="stop"),
    path(A + "reveal/", views.autopay_reveal, name="reveal"),
    path(A + "signup/<str:kind>.pdf", views.autopay_signup, name="signup"),
    path(A + "payments/create/", views.autopay_payment_create, name="payment-create"),
    path(
        A + "payments/<int:clearing_id>/freeze/",
        views.autopay_payment_freeze,
        name="payment-freeze",
    ),
    path(
        A + "payments/<int:clearing_id>/delete/",
        views.autopay_payment_delete,
        name="payment-delete",
    ),
    path(A + "notice/<int:clearing_id>.pdf", views.autopay_notice_pdf, name="notice"),
]
