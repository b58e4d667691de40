"""The foundation: settings, middleware, security headers, JSON API plumbing, error pages, logging."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent


# --- Pages and route protection ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/privacy-policy", "/terms-of-service"])
def test_public_pages_answer_anonymous_users(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert b"Ledgerly" in response.content


@pytest.mark.django_db
def test_landing_page_links_to_pricing_and_sign_up(client):
    content = client.get("/").content.decode()

    assert 'href="/pricing"' in content
    assert 'href="/sign-up"' in content


@pytest.mark.django_db
def test_anonymous_dashboard_request_redirects_to_sign_in_with_next(client):
    response = client.get("/dashboard/")

    assert response.status_code == 302
    assert response["Location"] == "/sign-in?next=/dashboard/"


@pytest.mark.django_db
def test_anonymous_deep_dashboard_path_keeps_its_next(client):
    response = client.get("/dashboard/settings/")

    assert response["Location"] == "/sign-in?next=/dashboard/settings/"


@pytest.mark.parametrize("path", ["/sign-in", "/sign-up"])
def test_signed_in_user_on_auth_pages_goes_to_dashboard(owner_client, path):
    response = owner_client.get(path)

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"


def test_signed_in_user_sees_the_dashboard(owner_client):
    response = owner_client.get("/dashboard/")

    assert response.status_code == 200
    assert b"Sign out" in response.content


@pytest.mark.django_db
@pytest.mark.urls("tests.api_urls")
def test_anonymous_api_request_gets_401_json_not_a_redirect(client):
    response = client.post("/api/test/echo", {}, content_type="application/json")

    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"


def test_every_view_requires_sign_in_unless_marked_public():
    """Deny by default: list the views that opted out, so a new public view is a conscious choice."""
    from django.urls import get_resolver

    public = set()

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                callback = pattern.callback
                if not getattr(callback, "login_required", True):
                    public.add(prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns)
    for path in ("", "privacy-policy", "terms-of-service", "api/health"):
        assert path in public
    assert "dashboard/" not in public


# --- Security headers -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_carry_the_security_headers(client):
    response = client.get("/")

    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.django_db
def test_https_settings_apply_when_enabled(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000

    redirect = client.get("/")
    secure = client.get("/", secure=True)

    assert redirect.status_code == 301 and redirect["Location"].startswith("https://")
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")


def test_session_and_csrf_cookies_are_http_only_and_same_site(settings):
    assert settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SAMESITE == "Lax" and settings.CSRF_COOKIE_SAMESITE == "Lax"


def test_argon2_hashes_passwords_in_the_real_settings():
    import saas.settings

    assert saas.settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    # Cached database sessions (accounts.sessions adds the idle timeout of browser sessions).
    from importlib import import_module

    from django.contrib.sessions.backends.cached_db import SessionStore

    assert issubclass(import_module(saas.settings.SESSION_ENGINE).SessionStore, SessionStore)
    assert saas.settings.DEFAULT_AUTO_FIELD == "django.db.models.BigAutoField"


# --- Request ids and logs ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_request_id_is_generated_and_echoed(client):
    response = client.get("/")

    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_sane_incoming_request_id_is_kept(client):
    response = client.get("/", headers={"X-Request-ID": "lb-1234abcd"})

    assert response["X-Request-ID"] == "lb-1234abcd"


@pytest.mark.django_db
def test_odd_incoming_request_id_is_replaced(client):
    response = client.get("/", headers={"X-Request-ID": "<script>alert(1)</script>"})

    assert response["X-Request-ID"] != "<script>alert(1)</script>"
    assert len(response["X-Request-ID"]) == 32


def test_each_request_writes_one_json_access_line(owner_client, owner, caplog):
    from saas.logging import JsonFormatter

    with caplog.at_level(logging.INFO, logger="saas.access"):
        response = owner_client.get("/dashboard/", headers={"X-Request-ID": "req-12345678"})

    records = [r for r in caplog.records if r.name == "saas.access"]
    assert len(records) == 1
    line = json.loads(JsonFormatter().format(records[0]))
    assert response.status_code == 200
    assert line["request_id"] == "req-12345678"
    assert line["method"] == "GET" and line["path"] == "/dashboard/" and line["status"] == 200
    assert line["user_id"] == str(owner.pk)
    assert isinstance(line["duration_ms"], float)
    assert {"level", "message", "timestamp", "logger"} <= line.keys()


# --- JSON API plumbing -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_health_reports_database_cache_and_tasks(client):
    response = client.get("/api/health")

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "healthy"
    assert body["services"] == {
        "database": "connected",
        "cache": "connected",
        "tasks": {"queued": 0, "oldest_seconds": 0},
    }
    assert body["timestamp"]


@pytest.mark.django_db
def test_health_is_503_when_the_database_is_unreachable(client, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", refuse)

    response = client.get("/api/health")

    assert response.status_code == 503
    assert response.json()["status"] == "unhealthy"
    assert response.json()["services"]["database"] == "unreachable"


def test_page_is_the_500_page_with_request_id_when_the_database_fails(owner, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(owner)

    def refuse(self, *args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(BaseDatabaseWrapper, "cursor", refuse)
        response = client.get("/dashboard/", headers={"X-Request-ID": "req-dbdown-1"})

    assert response.status_code == 500
    assert b"req-dbdown-1" in response.content
    assert b"Traceback" not in response.content and b"OperationalError" not in response.content


@pytest.mark.django_db
def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/does-not-exist")

    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "There is no API endpoint at /api/does-not-exist."}


@pytest.mark.django_db
def test_unknown_page_is_the_404_page_with_request_id(client):
    response = client.get("/no-such-page", headers={"X-Request-ID": "req-404-page"})

    assert response.status_code == 404
    assert b"Page not found" in response.content and b"req-404-page" in response.content


@pytest.mark.django_db
def test_wrong_method_is_json_405_with_allow(client):
    response = client.delete("/api/health")

    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"
    assert "GET" in response["Allow"]


@pytest.mark.urls("tests.api_urls")
def test_malformed_json_is_400(api_client):
    response = api_client.post(
        "/api/test/echo", "{not json", content_type="application/json", headers=_csrf(api_client)
    )

    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"


@pytest.mark.urls("tests.api_urls")
def test_oversized_body_is_413(api_client, settings):
    settings.API_MAX_BODY_BYTES = 1024
    body = json.dumps({"text": "x" * 2000})

    response = api_client.post("/api/test/echo", body, content_type="application/json", headers=_csrf(api_client))

    assert response.status_code == 413
    assert response.json()["error"] == "too_large"


@pytest.mark.urls("tests.api_urls")
def test_non_object_body_is_400(api_client):
    response = api_client.post("/api/test/echo", "[1, 2]", content_type="application/json", headers=_csrf(api_client))

    assert response.status_code == 400
    assert response.json()["message"] == "The body must be a JSON object."


@pytest.mark.urls("tests.api_urls")
def test_validation_error_lists_fields(api_client):
    response = api_client.post(
        "/api/test/echo", {"invalid": True}, content_type="application/json", headers=_csrf(api_client)
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": "validation_error",
        "message": "Some fields are not valid: see `fields`.",
        "fields": {"amount": ["Enter an amount greater than zero."]},
    }


@pytest.mark.urls("tests.api_urls")
def test_post_without_csrf_token_is_json_403(api_client):
    response = api_client.post("/api/test/echo", {"a": 1}, content_type="application/json")

    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"


@pytest.mark.urls("tests.api_urls")
def test_unhandled_exception_is_json_500_without_internals(owner):
    client = Client(raise_request_exception=False)
    client.force_login(owner)

    response = client.post("/api/test/echo", {"explode": True}, content_type="application/json")

    body = response.json()
    assert response.status_code == 500
    assert body["error"] == "internal_error"
    assert response["X-Request-ID"] in body["message"]
    assert "details" not in body and "boom" not in json.dumps(body)


@pytest.mark.urls("tests.api_urls")
def test_debug_adds_details(owner, settings):
    settings.DEBUG = True
    client = Client(raise_request_exception=False)
    client.force_login(owner)

    response = client.post("/api/test/echo", {"explode": True}, content_type="application/json")

    assert "boom" in json.dumps(response.json()["details"])


@pytest.mark.urls("tests.api_urls")
def test_api_sends_no_cors_headers(api_client):
    response = api_client.get("/api/test/public", headers={"Origin": "https://evil.example"})

    assert response.status_code == 200
    assert not any(name.lower().startswith("access-control-") for name in response.headers)


def _csrf(client: Client) -> dict[str, str]:
    return {"X-CSRFToken": client.cookies["csrftoken"].value}


# --- Production start-up -------------------------------------------------------------------------------


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    keep = {"PATH", "HOME", "LANG", "DATABASE_URL", "PYTHONPATH", "VIRTUAL_ENV"}
    base = {k: v for k, v in os.environ.items() if k in keep}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, "ENV_FILE": "", "DJANGO_SETTINGS_MODULE": "saas.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-production-secret-key-of-sufficient-length-and-entropy-9f8e7d6c5b4a",
    "BANK_DATA_ENCRYPTION_KEYS": "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=",
    "ALLOWED_HOSTS": "example.com",
    "APP_URL": "https://example.com",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.com:587",
}


@pytest.mark.parametrize("missing", ["SECRET_KEY", "BANK_DATA_ENCRYPTION_KEYS"])
def test_production_refuses_to_start_without_a_secret(missing):
    env = {**PRODUCTION, missing: ""}

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert f"{missing} is not set" in result.stderr


def test_check_deploy_is_silent_in_production():
    result = _manage("check", "--deploy", "--fail-level", "DEBUG", env=PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/",
        "/dashboard/accounts/",
        "/dashboard/transactions/",
        "/dashboard/budgets/",
        "/dashboard/settings/",
        "/dashboard/settings/security",
        "/dashboard/settings/billing",
        "/dashboard/payment",
        "/pricing",
    ],
)
def test_signed_in_pages_are_never_stored_by_caches(owner_client, path):
    response = owner_client.get(path)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("path", ["/api/auth/session", "/api/subscription", "/api/bank-accounts", "/api/health"])
def test_api_answers_are_never_stored_by_caches(owner_client, path):
    assert owner_client.get(path)["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_api_errors_are_never_stored_by_caches(client):
    assert client.get("/api/bank-accounts")["Cache-Control"] == "no-store"
    assert client.get("/api/nowhere")["Cache-Control"] == "no-store"


def test_filemail_url_writes_to_the_absolute_folder_it_names(tmp_path):
    folder = tmp_path / "var" / "mail"

    result = _manage("sendtestemail", "ops@example.com", env={**PRODUCTION, "EMAIL_URL": f"filemail://{folder}"})

    assert result.returncode == 0, result.stderr
    assert folder.is_dir() and any("ops@example.com" in f.read_text() for f in folder.iterdir())


@pytest.mark.django_db
def test_the_csp_policy_is_the_same_for_every_answer_that_used_no_nonce(client):
    answers = [client.get(path)["Content-Security-Policy"] for path in ("/", "/api/health", "/pricing")]

    assert answers[0] == answers[1] == answers[2]
    assert "nonce" not in answers[0] and "default-src 'self'" in answers[0]


def test_a_page_that_used_its_nonce_gets_it_in_the_policy(rf):
    from django.http import HttpResponse

    from saas.middleware import ContentSecurityPolicyMiddleware

    request = rf.get("/")
    middleware = ContentSecurityPolicyMiddleware(lambda r: HttpResponse("page"))
    middleware.process_request(request)
    nonce = str(request._csp_nonce)  # what a template's {{ csp_nonce }} does

    response = middleware.process_response(request, HttpResponse("page"))

    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
