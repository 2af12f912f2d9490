"""/acp/<number>/credit/: the Credit tab's actions (included in cis/urls.py)."""

from django.urls import path

from . import credit_views, writeoff_views

app_name = "credit"

A = "<str:number>/credit/"

urlpatterns = [
    path(A, credit_views.credit_tab, name="tab"),
    path(A + "attributes/", credit_views.credit_attributes_save, name="attributes"),
    path(A + "writeoff/", writeoff_views.writeoff_save, name="writeoff"),
]
