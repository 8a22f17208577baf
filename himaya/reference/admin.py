from django.contrib import admin

from himaya.reference import models


@admin.register(models.Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fr", "name_ar", "population_2024"]
    search_fields = ["code", "name_fr", "name_ar"]


@admin.register(models.Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fr", "name_ar", "kind", "region"]
    list_filter = ["region", "kind"]
    search_fields = ["code", "name_fr", "name_ar"]


@admin.register(models.Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fr", "name_ar", "kind", "province", "population_2024"]
    list_filter = ["region", "kind"]
    search_fields = ["code", "name_fr", "name_ar"]
    list_select_related = ["province"]


@admin.register(models.Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["alpha3", "name_fr", "name_ar", "name_en"]
    search_fields = ["alpha2", "alpha3", "name_fr", "name_en", "name_ar"]


@admin.register(models.Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["code", "alpha2", "name_fr", "name_ar", "name_en"]
    search_fields = ["code", "name_fr", "name_en"]


@admin.register(models.Currency)
class CurrencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fr", "name_en"]
    search_fields = ["code", "name_fr", "name_en"]


@admin.register(models.ThematicAxis)
class ThematicAxisAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fr", "name_ar", "name_en", "order"]
    list_editable = ["order"]


@admin.register(models.SniaProgramme)
class SniaProgrammeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fr", "name_ar", "kind", "order"]
    list_filter = ["kind"]
    list_editable = ["order"]


@admin.register(models.SdgTarget)
class SdgTargetAdmin(admin.ModelAdmin):
    list_display = ["code", "goal", "title_fr"]
