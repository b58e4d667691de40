from allauth.account import views as allauth_views
from django.urls import include, path

from accounts import views

urlpatterns = [
    path("sign-in", allauth_views.login, name="sign_in"),
    path("sign-up", allauth_views.signup, name="sign_up"),
    path("sign-out", allauth_views.logout, name="sign_out"),
    path("accounts/", include("allauth.urls")),
    path("dashboard/settings/", views.settings_page, name="settings"),
]
