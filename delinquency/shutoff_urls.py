"""/acp/<number>/shutoff/...: the Shut-off tab's actions (issue 12 item 7)."""

from django.urls import path

from . import shutoff_views as views

app_name = "delinquency_shutoff"

A = "<str:number>/shutoff/"

urlpatterns = [
    path(A, views.shutoff_tab, name="tab"),
    path(A + "certificates/add/", views.certificate_add, name="certificate-add"),
    path(A + "certificates/<int:pk>/renew/", views.certificate_renew, name="certificate-renew"),
    path(A + "disputes/add/", views.dispute_open, name="dispute-open"),
    path(A + "disputes/<int:pk>/resolve/", views.dispute_resolve, name="dispute-resolve"),
]
