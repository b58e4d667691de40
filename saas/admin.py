import functools

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows staff may look at but never add, change or delete here (audit events, Polar's rows, ledgers)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class LedgerlyAdminSite(admin.AdminSite):
    """The admin, for staff who sign in through allauth and have two-factor authentication on.

    A staff member without a second factor is sent to set one up first: a stolen password alone never
    opens the admin, where every user's data is.
    """

    site_header = "Ledgerly administration"
    site_title = "Ledgerly admin"

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @functools.wraps(view)
        def two_factor_required(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            if user.is_active and user.is_staff and not is_mfa_enabled(user):
                messages.info(
                    request,
                    "The admin needs two-factor authentication: add an authenticator app or a security key, "
                    "then open the admin again.",
                )
                return redirect("mfa_index")
            return inner(request, *args, **kwargs)

        return two_factor_required
