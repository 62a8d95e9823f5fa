"""Django admin for looking at configuration. Read-only: every change to companies, bank
accounts, memberships and tokens goes through the audited actions (settings pages, CLI), which
the admin's plain saves would bypass. Token hashes are never shown."""

from django.contrib import admin

from .models import ApiToken, BankAccount, Company, Membership


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class BankAccountInline(admin.TabularInline):
    model = BankAccount
    fields = ["label", "bank_name", "iban", "bic", "is_default"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ["user", "role"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Company)
class CompanyAdmin(ReadOnlyAdmin):
    list_display = ["code", "legal_name", "country", "currency", "approval_mode", "created_at"]
    list_filter = ["country", "currency", "approval_mode"]
    search_fields = ["code", "legal_name", "trade_name"]
    inlines = [BankAccountInline, MembershipInline]


@admin.register(BankAccount)
class BankAccountAdmin(ReadOnlyAdmin):
    list_display = ["company", "label", "iban", "bic", "is_default"]
    list_filter = ["company"]
    search_fields = ["label", "iban", "company__code"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "company", "role"]
    list_filter = ["company", "role"]
    search_fields = ["user__username", "company__code"]
    list_select_related = ["user", "company"]


_API_TOKEN_FIELDS = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["prefix", "user__username", "name"]
    list_select_related = ["user"]
    # key_hash is left out on purpose.
    fields = _API_TOKEN_FIELDS
    readonly_fields = _API_TOKEN_FIELDS
