from django.contrib import admin
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from .models import BatchRun, PiiRevealAudit, UserAPIKey

admin.site.site_header = "OpenCIS administration"


@admin.register(BatchRun)
class BatchRunAdmin(admin.ModelAdmin):
    list_display = [
        "job",
        "business_date",
        "status",
        "total",
        "done",
        "errored",
        "skipped",
        "lines",
        "money",
        "line_errors",
        "attempts",
        "started_at",
        "finished_at",
    ]
    list_filter = ["status", "job"]
    readonly_fields = [f.name for f in BatchRun._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(PiiRevealAudit)
class PiiRevealAuditAdmin(admin.ModelAdmin):
    list_display = ["revealed_at", "user", "customer", "field", "ip_address"]
    list_filter = ["field"]
    readonly_fields = ["revealed_at", "user", "customer", "field", "ip_address"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The library's own key model is unused: every key belongs to a user (UserAPIKey).
if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)


@admin.register(UserAPIKey)
class UserAPIKeyAdmin(APIKeyModelAdmin):
    """Create a key here (it is shown once, in the message after saving) or with
    `manage.py apikey_create <username> --name NAME`; revoke by ticking Revoked."""

    list_display = [*APIKeyModelAdmin.list_display, "user"]
    search_fields = [*APIKeyModelAdmin.search_fields, "user__username"]
    raw_id_fields = ["user"]
