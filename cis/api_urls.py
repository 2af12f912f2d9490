"""The versioned REST API: each app adds its routes here."""

from django.urls import include, path

urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("cis.api.urls")),
    path("", include("payments.api.urls")),
    path("", include("autopay.api.urls")),
    path("", include("delinquency.api.urls")),
]
