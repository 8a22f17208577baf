"""Deduplication thresholds per programme; the pairs, decisions and merges are the app's own pages."""

from django.contrib import admin

from himaya.dedup.models import ProgrammeThresholds


@admin.register(ProgrammeThresholds)
class ProgrammeThresholdsAdmin(admin.ModelAdmin):
    list_display = ["programme", "auto_merge", "review"]
    search_fields = ["programme__code"]
