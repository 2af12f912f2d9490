"""/acp/<number>/arrangements/...: the Arrangements tab and its wizard (seed 004)."""

from django.urls import path

from . import views

app_name = "arrangements"

A = "<str:number>/arrangements/"

urlpatterns = [
    path(A, views.arr_tab, name="tab"),
    path(A + "new/", views.arr_new, name="new"),
    path(A + "new/preview.pdf", views.arr_preview, name="preview"),
    path(A + "history.pdf", views.arr_history, name="history"),
    path(A + "<int:pk>/print.pdf", views.arr_print, name="print"),
    path(A + "<int:pk>/delete/", views.arr_delete, name="delete"),
]
