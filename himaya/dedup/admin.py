"""Deduplication thresholds per programme; the pairs, decisions and merges are the app's own pages."""

from django.contrib import admin

from himaya.dedup.models import NameEquivalent, ProgrammeThresholds


@admin.register(ProgrammeThresholds)
class ProgrammeThresholdsAdmin(admin.ModelAdmin):
    list_display = ["programme", "auto_merge", "review"]
    search_fields = ["programme__code"]


@admin.register(NameEquivalent)
class NameEquivalentAdmin(admin.ModelAdmin):
    """Read-only here: lines are added on /dedup/names/, where they are checked and audited."""

    list_display = ["group", "variants", "related", "added_by", "created_at"]
    search_fields = ["group", "variants"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
