from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The Account Control Panel's landing page: the CSR's start (my To Do entries,
    recently opened accounts, today's payments). A customer's web login (issue 11
    item 6) is sent to the web self-care portal instead."""
    if hasattr(request.user, "web_login"):
        return redirect("portal:home")
    from accounts.acp.views.todo import home as acp_home

    return acp_home(request)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})
