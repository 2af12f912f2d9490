"""/acp/<number>/autopay/...: the Auto Payment sub-tab (seed 004)."""

from django.urls import path

from . import return_views, views

app_name = "autopay"

A = "<str:number>/autopay/"

urlpatterns = [
    path("autopay/returns/", return_views.returns_screen, name="returns"),
    path(A, views.autopay_section, name="section"),
    path(A + "enroll/", views.autopay_enroll_view, name="enroll"),
    path(A + "change/", views.autopay_change_view, name="change"),
    path(A + "stop/", views.autopay_stop_view, name="stop"),
    path(A + "reveal/", views.autopay_reveal, name="reveal"),
    path(A + "signup/<str:kind>.pdf", views.autopay_signup, name="signup"),
    path(A + "notice/<int:clearing_id>.pdf", views.autopay_notice_pdf, name="notice"),
]
