from django.contrib import admin

from himaya.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_username", "kind", "action", "object_type", "object_id", "reason"]
    list_filter = ["kind", "action"]
    search_fields = ["actor_username", "action", "object_id"]
    date_hierarchy = "at"

    # The trail is read-only, in the admin as everywhere.
    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False
