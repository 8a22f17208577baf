from django.contrib import admin

from himaya.organisations.models import Agreement, Organisation, Programme


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fr", "kind", "region", "is_active"]
    list_filter = ["kind", "region", "is_active"]
    search_fields = ["code", "name_fr", "name_ar", "name_en", "acronym"]
    autocomplete_fields = ["commune"]


class AgreementInline(admin.TabularInline):
    model = Agreement
    extra = 0
    fields = ["reference", "partner", "start", "end", "budget", "currency"]


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["code", "title_fr", "start", "end", "axis"]
    filter_horizontal = ["donors", "counterparts", "regions", "sdg_targets", "snia_programmes"]
    inlines = [AgreementInline]


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["reference", "partner", "programme", "start", "end", "budget", "currency"]
    list_filter = ["programme"]
    filter_horizontal = ["regions"]
