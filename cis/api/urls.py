from django.urls import path

from . import views

urlpatterns = [
    path("batch-runs/", views.BatchRunListView.as_view(), name="batchrun-list"),
    path("batch-runs/start/", views.BatchRunStartView.as_view(), name="batchrun-start"),
]
