"""/acp/reports/: the Reports menu and each report (?format=csv or pdf)."""

from django.urls import path

from . import views

app_name = "delinquency_reports"

urlpatterns = [
    path("reports/", views.index, name="index"),
    path("reports/<slug:slug>/", views.report, name="report"),
]
