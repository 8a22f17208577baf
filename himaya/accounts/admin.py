from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from himaya.accounts.models import ApiToken, Membership, User


class MembershipInline(admin.StackedInline):
    model = Membership
    filter_horizontal = ["regions"]
    can_delete = False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "email", "is_active", "membership"]
    list_filter = ["is_active", "membership__role", "membership__organisation__kind"]
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Himaya", {"fields": ["preferred_language"]}))


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]
    list_filter = ["revoked_at"]
