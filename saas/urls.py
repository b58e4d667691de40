from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from saas import views

# Staff sign in through allauth (rate limits, two-factor), never through the admin's own form.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", views.landing, name="landing"),
    path("privacy-policy", views.privacy_policy, name="privacy_policy"),
    path("terms-of-service", views.terms_of_service, name="terms_of_service"),
    path("api/health", views.health, name="health"),
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
