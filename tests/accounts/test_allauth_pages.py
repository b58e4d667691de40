import re

import pytest

pytestmark = pytest.mark.django_db

ANONYMOUS_PAGES = [
    "/sign-in",
    "/sign-up",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/password/reset/key/done/",
    "/accounts/password/reset/key/1-bad-key/",
    "/accounts/confirm-email/",
    "/accounts/confirm-email/not-a-key/",
    "/accounts/inactive/",
]
SIGNED_IN_PAGES = [
    "/sign-out",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/reauthenticate/",
    "/accounts/2fa/",
    "/accounts/2fa/totp/activate/",
    "/accounts/2fa/webauthn/add/",
    "/accounts/2fa/webauthn/",
    "/accounts/3rdparty/",
    "/dashboard/settings/",
    "/dashboard/settings/security",
    "/dashboard/settings/sessions",
    "/dashboard/settings/data",
]


def assert_wears_our_look(response):
    html = response.content.decode()
    assert response.status_code == 200, html[:500]
    assert '<header class="site-header">' in html
    assert "vendor/pico/pico.min.css" in html
    # The CSP allows no inline styles or scripts: data blocks (application/json) are fine.
    assert ' style="' not in html
    for script in re.findall(r"<script[^>]*>", html):
        assert " src=" in script or 'type="application/json"' in script, script


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_anonymous_allauth_pages_wear_our_look(client, path):
    response = client.get(path, follow=True)

    assert_wears_our_look(response)


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_signed_in_allauth_pages_wear_our_look(reauthenticated_client, path):
    response = reauthenticated_client.get(path)

    assert_wears_our_look(response)


def test_allauth_management_pages_sit_in_the_settings_tabs(reauthenticated_client):
    html = reauthenticated_client.get("/accounts/password/change/").content.decode()

    assert 'aria-label="Settings sections"' in html
    assert '<a href="/dashboard/settings/security" aria-current="page">Security</a>' in html
