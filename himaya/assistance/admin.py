"""The catalogue and the entitlement rules are data: added and changed here, without code."""

from django.contrib import admin

from himaya.assistance.models import AssistanceType, EntitlementRule, Item, KitComponent, Warehouse


class KitComponentInline(admin.TabularInline):
    model = KitComponent
    extra = 1
    autocomplete_fields = ["item"]


@admin.register(AssistanceType)
class AssistanceTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fr", "category", "modality", "unit", "unit_value", "active"]
    list_filter = ["category", "modality", "active"]
    search_fields = ["code", "name_fr", "name_ar", "name_en"]
    inlines = [KitComponentInline]


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fr", "unit", "active"]
    search_fields = ["code", "name_fr", "name_ar", "name_en"]


@admin.register(EntitlementRule)
class EntitlementRuleAdmin(admin.ModelAdmin):
    list_display = ["programme", "assistance_type", "period", "max_per_person", "max_per_household", "active"]
    list_filter = ["programme", "assistance_type", "period", "active"]
    filter_horizontal = ["vulnerabilities", "regions", "excludes"]


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    # Created by a coordinator (organisation from their scope); the admin corrects names only.
    def has_add_permission(self, request: object) -> bool:
        return False

    # Warehouses hold no personal data; their organisation is fixed when created by a service.
    list_display = ["name", "organisation", "commune"]
    list_filter = ["organisation"]
