from django.contrib import admin

from himaya.monitoring.models import (
    Indicator,
    ManualValue,
    NarrativeSection,
    Outcome,
    Output,
    ReportingPeriod,
    Target,
)


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "title_fr", "programme", "method", "unit"]
    list_filter = ["programme", "method"]
    inlines = [TargetInline]


admin.site.register([Outcome, Output, ReportingPeriod, ManualValue, NarrativeSection])
