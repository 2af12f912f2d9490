"""/acp/<number>/serviceorders/...: the Service Orders tab (seed 004); /acp/serviceorders/:
the Service Order Control Panel (Management > Service Order)."""

from django.urls import path

from . import views

app_name = "serviceorders"

A = "<str:number>/serviceorders/"
ORDER = A + "<int:pk>/"

urlpatterns = [
    path("serviceorders/", views.control_panel, name="control"),
    path("serviceorders/reconnects/", views.reconnect_report_view, name="reconnects"),
    path(A, views.so_tab, name="tab"),
    path(A + "add/", views.so_add, name="add"),
    path(A + "list.<str:fmt>", views.so_location_report, name="location-report"),
    path(ORDER + "edit/", views.so_edit, name="edit"),
    path(ORDER + "complete/", views.so_complete, name="complete"),
    path(ORDER + "delete/", views.so_delete, name="delete"),
    path(ORDER + "history/", views.so_history, name="history"),
    path(ORDER + "print.pdf", views.so_print, name="print"),
]
