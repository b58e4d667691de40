from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from accounts import api as accounts_api
from banking import api as banking_api
from banking import api_imports as banking_imports_api
from banking import api_insights as banking_insights_api
from banking import api_rules as banking_rules_api
from billing import api as billing_api
from saas import views
from saas.api import api, api_urls

api.add_router("", views.router)
api.add_router("", accounts_api.router)
api.add_router("", billing_api.router)
api.add_router("", banking_api.router)
api.add_router("", banking_rules_api.router)
api.add_router("", banking_imports_api.router)
api.add_router("", banking_insights_api.router)

# Staff sign in through allauth (rate limits, two-factor), never through the admin's own form.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign] # wraps the bound view


class FaviconRedirect(RedirectView):
    """`/favicon.ico`, which browsers and crawlers ask for whatever the page says: the SVG icon's hashed URL.

    Not permanent, so a new icon (a new hash) is picked up; resolved per request, since the hashed name comes
    from the static files manifest.
    """

    permanent = False

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("img/favicon.svg")

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Cache-Control"] = "public, max-age=86400"
        return response


urlpatterns = [
    path("", views.landing, name="landing"),
    path("favicon.ico", login_not_required(FaviconRedirect.as_view()), name="favicon"),
    path("privacy-policy", views.privacy_policy, name="privacy_policy"),
    path("terms-of-service", views.terms_of_service, name="terms_of_service"),
    path("api/docs", views.api_docs, name="api_docs"),
    path("api/", api_urls(api)),
    path("", include("accounts.urls")),
    path("", include("billing.urls")),
    path("", include("banking.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
    # Any other /api/ path is a JSON 404, in DEBUG too.
    re_path(r"^api(/.*)?$", views.api_not_found),
]

handler400 = "saas.views.bad_request"
handler403 = "saas.views.permission_denied"
handler404 = "saas.views.page_not_found"
handler500 = "saas.views.server_error"
