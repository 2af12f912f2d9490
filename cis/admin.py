from django.contrib import admin

from .models import BatchRun, PiiRevealAudit

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
