from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from accounts import api as accounts_api
from banking import api as banking_api
from banking import api_imports as banking_imports_api
from billing import api as billing_api
from saas import views
from saas.api import api, api_urls

api.add_router("", views.router)
api.add_router("", accounts_api.router)
api.add_router("", billing_api.router)
api.add_router("", banking_api.router)
api.add_router("", banking_imports_api.router)

# Staff sign in through allauth (rate limits, two-factor), never through the admin's own form.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", views.landing, name="landing"),
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
