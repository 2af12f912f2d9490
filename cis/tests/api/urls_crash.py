"""The project's URLs plus an API view and a page that crash, for the 500 handler tests."""

from django.urls import path

from cis.urls import handler404, handler500  # noqa: F401
from cis.urls import urlpatterns as project_urlpatterns


def crash(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("api/v1/crash/", crash),
    path("crash/", crash),
    *project_urlpatterns,
]
