from django.contrib import admin

from himaya.vouchers.models import Statement, VendorContract, Voucher


@admin.register(VendorContract)
class VendorContractAdmin(admin.ModelAdmin):
    list_display = ["vendor", "categories", "active", "signed_on"]
    list_filter = ["active"]


@admin.register(Voucher)
class VoucherAdmin(admin.ModelAdmin):
    """Read-only: vouchers change only through services, which keep the ledger."""

    list_display = ["code_hint", "partner", "category", "value", "balance", "status", "valid_until"]
    list_filter = ["status", "category", "partner"]
    readonly_fields = [f.name for f in Voucher._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    list_display = ["vendor", "period_start", "period_end", "count", "total", "status"]
    list_filter = ["status"]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
