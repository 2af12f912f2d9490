"""/acp/<number>/delinquency/notices/<pk>.pdf (the Delinquency tab) and
/acp/delinquency/notices/ (the notice runs and their print run PDFs)."""

from django.urls import path

from . import notice_views

app_name = "delinquency_notices"

urlpatterns = [
    path("delinquency/notices/", notice_views.control, name="control"),
    path("delinquency/notices/<str:day>/print-run.pdf", notice_views.print_run, name="print-run"),
    path(
        "<str:number>/delinquency/notices/<int:pk>.pdf",
        notice_views.notice_pdf,
        name="notice-pdf",
    ),
]
