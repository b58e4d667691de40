from allauth.account import views as allauth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

from accounts import views
from saas.middleware import signed_in_goes_to_dashboard


def _redirect(pattern_name: str):
    return login_not_required(RedirectView.as_view(pattern_name=pattern_name, query_string=True))


sign_in = signed_in_goes_to_dashboard(allauth_views.login)
sign_up = signed_in_goes_to_dashboard(allauth_views.signup)

urlpatterns = [
    path("sign-in", sign_in, name="sign_in"),
    path("sign-up", sign_up, name="sign_up"),
    path("sign-out", allauth_views.logout, name="sign_out"),
    # allauth's own addresses for these pages lead to ours.
    path("accounts/login/", _redirect("sign_in")),
    path("accounts/signup/", _redirect("sign_up")),
    path("accounts/sessions/", _redirect("settings_sessions")),
    path("accounts/", include("allauth.urls")),
    # The same pages under the names allauth reverses. When names repeat, reverse() picks the last
    # pattern, so every link and redirect allauth makes points at /sign-in, /sign-up and /sign-out.
    path("sign-in", sign_in, name="account_login"),
    path("sign-up", sign_up, name="account_signup"),
    path("sign-out", allauth_views.logout, name="account_logout"),
    path("dashboard/settings/", views.settings_profile, name="settings"),
    path("dashboard/settings/avatar", views.avatar, name="settings_avatar"),
    path("dashboard/settings/security", views.settings_security, name="settings_security"),
    path("dashboard/settings/activity", views.settings_activity, name="settings_activity"),
    path("dashboard/settings/sessions", views.settings_sessions, name="settings_sessions"),
    path("dashboard/settings/sessions/end-others", views.sessions_end_others, name="settings_sessions_end_others"),
    path("dashboard/settings/sessions/<int:session_id>/end", views.session_end, name="settings_session_end"),
    path("dashboard/settings/tokens", views.settings_tokens, name="settings_tokens"),
    path("dashboard/settings/tokens/<uuid:token_id>/revoke", views.token_revoke, name="settings_token_revoke"),
    path("dashboard/settings/data", views.settings_data, name="settings_data"),
    path("dashboard/settings/data/export", views.data_export, name="settings_data_export"),
    path("dashboard/settings/data/delete", views.account_delete, name="settings_account_delete"),
]
