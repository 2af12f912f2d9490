"""/acp/customer/<number>/ and /acp/location/<number>/: a customer or a location on its
own page in the panel's chrome (issue 13 item 8), opened from search, from the Owner tab
and from each other. A private customer is the panel's 404 for those who may not see it."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..selectors.standalone import customer_page, location_page
from .base import VIEW_PERMISSION, panel_not_found


@require_GET
@login_required
@permission_required(VIEW_PERMISSION, raise_exception=True)
def customer(request: HttpRequest, number: str) -> HttpResponse:
    page = customer_page(user=request.user, number=number)
    if page is None:
        return panel_not_found(request, number)
    context = {"what": "customer", "page": page, "customer": page.customer}
    return render(request, "accounts/acp/record.html", context)


@require_GET
@login_required
@permission_required(VIEW_PERMISSION, raise_exception=True)
def location(request: HttpRequest, number: str) -> HttpResponse:
    page = location_page(user=request.user, number=number)
    if page is None:
        return panel_not_found(request, number)
    context = {"what": "location", "page": page, "location": page.location}
    return render(request, "accounts/acp/record.html", context)
