from allauth.account.models import EmailAddress
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from accounts.models import ApiToken, AuditEvent, OutboundEmail, User
from saas.admin import ReadOnlyAdmin


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "name")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    list_display = ("email", "name", "is_staff", "is_active", "created_at", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "name", "id")
    ordering = ("email",)
    readonly_fields = ("id", "created_at", "updated_at", "last_login")
    fieldsets = (
        (None, {"fields": ("id", "email", "password")}),
        ("Profile", {"fields": ("name", "image", "avatar")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("created_at", "updated_at", "last_login")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "name", "usable_password", "password1", "password2")}),
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            # allauth signs people in by their EmailAddress row; they verify it on first sign-in.
            EmailAddress.objects.get_or_create(user=obj, email=obj.email, defaults={"primary": True, "verified": False})


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit trail is append-only: staff can read and search it, never add, change or delete."""

    list_display = ("created_at", "action", "user", "ip_address", "request_id")
    list_filter = ("action",)
    search_fields = ("action", "user__email", "ip_address", "request_id")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    readonly_fields = ("id", "created_at", "action", "user", "ip_address", "user_agent", "request_id", "details")
    fields = readonly_fields
    show_full_result_count = False


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Staff may see which tokens exist and when they were used (support, incident response), never the
    secret's hash; people revoke their own tokens under Settings, where it is audited."""

    list_display = ("name", "user", "scope", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at")
    list_filter = ("scope",)
    search_fields = ("name", "public_id", "user__email")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    fields = ("id", "user", "name", "scope", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at")
    readonly_fields = fields
    exclude = ("secret_hash",)
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).defer("secret_hash")


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    """Mail sent (or failing) through the queue. The bodies are not shown: they may carry one-time links."""

    list_display = ("subject", "recipients", "kind", "state", "attempts", "created_at", "sent_at")
    list_filter = ("state", "kind")
    search_fields = ("id", "to", "subject")
    fields = (
        "id",
        "user",
        "kind",
        "from_email",
        "to",
        "subject",
        "state",
        "attempts",
        "last_error",
        "created_at",
        "claimed_at",
        "sent_at",
    )
    readonly_fields = fields
    actions = ["send_again"]

    @admin.display(description="to")
    def recipients(self, obj: OutboundEmail) -> str:
        return ", ".join(obj.to)

    @admin.action(description="Send the selected failed e-mails again")
    def send_again(self, request, queryset) -> None:
        from django.contrib import messages

        from accounts.emails import email_send_again

        queued = sum(email_send_again(email=email) for email in queryset)
        self.message_user(request, f"{queued} e-mail(s) queued again.", messages.SUCCESS)
