"""The admin site: staff sign in through allauth (saas/urls.py) and need two-factor authentication."""

import functools

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


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
