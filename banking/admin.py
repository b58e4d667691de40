"""Admin for banking. It never decrypts: the encrypted number and the fingerprint are not even loaded,
accounts show `•••• 1234` only. Every change goes through the audited services, so the admin obeys the
same rules (the models' own validation) and writes the same audit rows as the pages and the API.
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.http import AuthenticatedHttpRequest, signed_in_user
from banking import services
from banking.models import BankAccount, Budget, MicroDepositVerification, Transaction
from banking.money import format_money
from saas.admin import ReadOnlyAdmin

SECRET_FIELDS = ("account_number_encrypted", "account_fingerprint")


class VerificationInline(admin.StackedInline):
    model = MicroDepositVerification
    can_delete = False
    extra = 0
    max_num = 0
    # The deposit amounts stay out of the admin: they are what the owner proves.
    fields = ("state", "attempts", "provider", "provider_reference", "sent_at", "expires_at", "completed_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(BankAccount)
class BankAccountAdmin(admin.ModelAdmin):
    list_display = ("__str__", "user", "account_type", "currency", "masked", "status", "verified", "balance_display")
    list_filter = ("status", "account_type", "scheme", "currency", "verification_method")
    search_fields = ("user__email", "bank_name", "nickname", "=last4", "=routing_number", "=sort_code", "=bic")
    list_select_related = ("user",)
    exclude = SECRET_FIELDS
    fields = (
        "user",
        "bank_name",
        "nickname",
        "account_type",
        "scheme",
        "country",
        "currency",
        "masked",
        "routing_number",
        "sort_code",
        "bic",
        "status",
        "verification_method",
        "verified_at",
        "opening_balance_display",
        "opening_balance_date",
        "balance_display",
        "created_at",
        "updated_at",
        "closed_at",
    )
    readonly_fields = fields
    inlines = [VerificationInline]
    actions = ["suspend_accounts", "activate_accounts"]
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).defer(*SECRET_FIELDS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Accounts are linked by their owners (encryption, verification); staff never type numbers in.
        return False

    @admin.display(description="Number")
    def masked(self, obj: BankAccount) -> str:
        return obj.masked_number

    @admin.display(description="Verified", boolean=True)
    def verified(self, obj: BankAccount) -> bool:
        return obj.is_verified

    @admin.display(description="Opening balance")
    def opening_balance_display(self, obj: BankAccount) -> str:
        return format_money(obj.opening_balance, obj.currency)

    @admin.display(description="Balance", ordering="balance")
    def balance_display(self, obj: BankAccount) -> str:
        return format_money(obj.balance, obj.currency)

    @admin.action(description="Suspend the selected accounts", permissions=["change"])
    def suspend_accounts(self, request: AuthenticatedHttpRequest, queryset: QuerySet) -> None:
        count = 0
        for account in queryset:
            services.bank_account_suspend(actor=request.user, bank_account=account, request=request)
            count += 1
        self.message_user(request, f"Suspended {count} account(s).", messages.SUCCESS)

    @admin.action(description="Activate the selected accounts", permissions=["change"])
    def activate_accounts(self, request: AuthenticatedHttpRequest, queryset: QuerySet) -> None:
        count = 0
        for account in queryset:
            services.bank_account_activate(actor=request.user, bank_account=account, request=request)
            count += 1
        self.message_user(
            request,
            f"Activated {count} account(s). Unverified ones are pending again with new deposits.",
            messages.SUCCESS,
        )


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    """Read-only: balances move only through the services."""

    list_display = ("transaction_date", "description", "merchant_name", "user", "bank_account", "type", "status",
                    "category", "amount_display")  # fmt: skip
    list_filter = ("type", "status", "category", "currency", "transaction_date")
    search_fields = ("description", "merchant_name", "external_id", "user__email", "=id", "=transfer_pair_id")
    list_select_related = ("user", "bank_account")
    date_hierarchy = "transaction_date"
    show_full_result_count = False
    ordering = ("-transaction_date", "-created_at", "-id")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).defer(*(f"bank_account__{f}" for f in SECRET_FIELDS))

    @admin.display(description="Amount", ordering="signed_amount")
    def amount_display(self, obj: Transaction) -> str:
        return format_money(obj.signed_amount, obj.currency, signed=True)


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "category", "period", "amount_display", "start_date", "end_date", "is_active")
    list_filter = ("period", "category", "currency", "is_active")
    search_fields = ("name", "user__email")
    list_select_related = ("user",)
    readonly_fields = ("user", "created_at", "updated_at")

    @admin.display(description="Limit", ordering="amount")
    def amount_display(self, obj: Budget) -> str:
        return format_money(obj.amount, obj.currency)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Budget, form, change: bool) -> None:
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in services.BUDGET_FIELDS}
        if changes:
            services.budget_update(
                user=obj.user, budget=obj, changes=changes, request=request, actor=signed_in_user(request)
            )

    def delete_model(self, request: HttpRequest, obj: Budget) -> None:
        services.budget_delete(user=obj.user, budget=obj, request=request, actor=signed_in_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for budget in queryset.select_related("user"):
            self.delete_model(request, budget)
