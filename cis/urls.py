from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from cis import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("acp/", include("payments.urls")),
    path("acp/", include("payments.portal.acp")),  # Reset Web Login (issue 11 item 6)
    path("acp/", include("autopay.urls")),  # the Payments tab (issue 4 item 9)
    path("acp/", include("serviceorders.urls")),  # Service Orders tab, control panel
    path("acp/", include("delinquency.credit_urls")),  # Credit tab: No Penalty (issue 12)
    path("acp/", include("delinquency.reports.urls")),  # Reports menu (issue 12 item 8)
    path("acp/", include("delinquency.shutoff_urls")),  # the Shut-off tab (issue 12 item 7)
    path("acp/", include("delinquency.arrangements.urls")),  # Arrangements tab, wizard
    path("acp/", include("delinquency.notice_urls")),  # late notice PDFs, print runs
    path("acp/", include("accounts.acp.urls")),
    path("my/", include("payments.portal.urls")),  # web self-care (issue 11 item 6)
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Docs for signed-in users only (the schema itself needs an authenticated caller,
    # SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"]); Swagger UI is served from our static files.
    path(
        "api/docs/",
        login_required(SpectacularSwaggerView.as_view(url_name="schema")),
        name="api-docs",
    ),
    path("api/v1/", include("cis.api_urls")),
]

# JSON under /api/, HTML elsewhere (issue 7 item 23).
handler404 = "cis.api.errors.not_found"
handler500 = "cis.api.errors.server_error"
