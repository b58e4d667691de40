"""Settings for the whole site, read from the environment (and `.env` when present).

Every variable is listed in README.md and .env.example. Real environment variables win over `.env`.
Production secrets have no default: with DEBUG false the site refuses to start without them.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from saas.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# ENV_FILE="" disables `.env` (the test suite does, so a developer's .env never leaks into tests).
ENV_FILE = os.environ.get("ENV_FILE", str(BASE_DIR / ".env"))
if ENV_FILE and Path(ENV_FILE).is_file():
    env.read_env(ENV_FILE, overwrite=False)


def required(name: str) -> str:
    """A variable that must be set in production; DEBUG gets a throwaway development value."""
    value = env.str(name, default="")
    if value:
        return value
    if DEBUG:
        return ""
    raise ImproperlyConfigured(
        f"{name} is not set. It is required when DEBUG is false: set it in the environment or in .env "
        f"(see .env.example)."
    )


DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = required("SECRET_KEY") or "django-insecure-development-only-key-not-for-production-use-0123456789"

APP_URL = env.str("APP_URL", default="http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[APP_URL])

INSTALLED_APPS = [
    "saas.apps.LedgerlyAdminConfig",  # django.contrib.admin, with two-factor required (saas/admin.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.mfa",
    "allauth.usersessions",
    "ninja",
    "django_tasks_db",
    "saas",
    "accounts",
    "billing",
    "banking",
]

MIDDLEWARE = [
    "saas.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.UserSessionsMiddleware",
    "saas.middleware.LoginRequiredMiddleware",
    "saas.middleware.ApiExceptionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "saas.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "saas.urls"
WSGI_APPLICATION = "saas.wsgi.application"
ASGI_APPLICATION = "saas.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "saas.context_processors.site",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Persistent connections: one per gunicorn worker, no pool to tune, replaced every CONN_MAX_AGE seconds
    # (at a request's start or end), so one idle long enough for a pooler or Neon to drop it is never reused.
    # Django's health check would ask the database `SELECT 1` before every request's first query: a round
    # trip per request, to catch a connection broken within its last minute (a failover), which then fails
    # one request and is replaced. DATABASE_CONN_HEALTH_CHECKS=true turns it on for flaky networks.
    # (`sslmode` and other query parameters of DATABASE_URL land in OPTIONS.)
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DATABASE_CONN_HEALTH_CHECKS", default=False)
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
else:
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL and a busy timeout let the development server and management commands share
            # the file; IMMEDIATE transactions avoid "database is locked" on upgrade.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions ----------------------------------------------------------------------------
# The cache holds rate-limit counters and cached sessions, so it must be shared by every worker on
# every machine: the database cache by default, Redis or Memcached through CACHE_URL.
CACHES = {"default": env.cache_url("CACHE_URL", default="dbcache://django_cache")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache":
    # The same table, written with one upsert and culled on a sample of writes (saas/cache.py).
    CACHES["default"]["BACKEND"] = "saas.cache.DatabaseCache"
    # The default of 300 entries would cull sessions and rate-limit counters every few requests.
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 50_000)
elif CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "saas.cache.RedisCache"  # one client per connection pool (saas/cache.py)
# Sessions (accounts/sessions.py): "keep me signed in" lasts SESSION_COOKIE_AGE; any other session is a
# browser session that also ends after SESSION_IDLE_SECONDS without activity.
SESSION_ENGINE = "accounts.sessions"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_IDLE_SECONDS = 60 * 60 * 12
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "saas.views.csrf_failure"

# --- Auth ---------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's, each loading the session's user and `email_verified` in one query (accounts/backends.py).
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
# Argon2id at Django's parameters (time cost 2, 100 MiB, 8 lanes): stronger than OWASP's minimum (19 MiB,
# time cost 2, 1 lane). A sign-in takes ~0.25 s of one core, and every request of the site's other kinds
# costs nothing for it. The others only verify (and upgrade) hashes made before.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/sign-in"
LOGIN_REDIRECT_URL = "/dashboard/"
LOGOUT_REDIRECT_URL = "/"

# --- allauth (accounts/) --------------------------------------------------------------------------
# allauth as configured for Ledgerly: each choice says why next to it.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapter.SocialAccountAdapter"
ACCOUNT_FORMS = {
    "login": "accounts.forms.LoginForm",
    "signup": "accounts.forms.SignupForm",
    "add_email": "accounts.forms.AddEmailForm",
    "change_email": "accounts.forms.ChangeEmailForm",
    "change_password": "accounts.forms.ChangePasswordForm",
    "set_password": "accounts.forms.SetPasswordForm",
    "reset_password": "accounts.forms.ResetPasswordForm",
    "reset_password_from_key": "accounts.forms.ResetPasswordKeyForm",
    "reauthenticate": "accounts.forms.ReauthenticateForm",
}
# E-mail is the only login; sign-up asks for name (our form), e-mail and one password.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
# Verification by link is mandatory; the link shows a confirm button (mail scanners GET links) and
# confirming in the browser that signed up signs the user in.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_EMAIL_CONFIRMATION_AUTHENTICATED_REDIRECT_URL = "/dashboard/settings/security"
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Ledgerly] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if APP_URL.startswith("https://") else "http"
# Sessions: "Remember me" chooses between a browser session and SESSION_COOKIE_AGE.
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
# Sensitive changes ask for the password (or a second factor) again if the last check is older than 5 min.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_LOGIN_TIMEOUT = 900
# Counted in the shared cache (CACHES["default"]); a view over its limit answers templates/429.html.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}

# Two-factor: authenticator app, recovery codes and security keys / passkeys.
MFA_ADAPTER = "accounts.adapter.MFAAdapter"
# Verification is mandatory, so a signed-in user's address is verified; this lets people with two-factor
# change their address (allauth blocks adding one otherwise). The change still needs re-authentication,
# the link sent to the new address, and notifies the old one.
MFA_ALLOW_UNVERIFIED_EMAIL = True
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_PASSKEY_SIGNUP_ENABLED = False
MFA_TOTP_ISSUER = "Ledgerly"
MFA_TOTP_TOLERANCE = 1
MFA_RECOVERY_CODE_COUNT = 10
MFA_TRUST_ENABLED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_RATE_LIMITS = {"webauthn_login": "10/m/ip"}

# The sessions page shows last seen time and address (accounts.middleware throttles the writes).
USERSESSIONS_TRACK_ACTIVITY = True

# Google: the provider exists only when both variables are set.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_QUERY_EMAIL = True
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10
GOOGLE_CLIENT_ID = env.str("GOOGLE_CLIENT_ID", default="")
GOOGLE_CLIENT_SECRET = env.str("GOOGLE_CLIENT_SECRET", default="")
SOCIALACCOUNT_PROVIDERS = {}
if GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET:
    SOCIALACCOUNT_PROVIDERS["google"] = {
        "APPS": [{"client_id": GOOGLE_CLIENT_ID, "secret": GOOGLE_CLIENT_SECRET, "key": ""}],
        "SCOPE": ["profile", "email"],
        "AUTH_PARAMS": {"access_type": "online"},
        "OAUTH_PKCE_ENABLED": True,
        "FETCH_USERINFO": True,
    }

# Avatars: uploaded pictures are re-encoded and kept with the default storage.
AVATAR_MAX_BYTES = 2 * 1024 * 1024
# --- end allauth --------------------------------------------------------------------------------

# --- Billing (billing/) -------------------------------------------------------------------------
POLAR_ACCESS_TOKEN = env.str("POLAR_ACCESS_TOKEN", default="")
POLAR_WEBHOOK_SECRET = env.str("POLAR_WEBHOOK_SECRET", default="")
POLAR_SERVER = env.str("POLAR_SERVER", default="sandbox")
if POLAR_SERVER not in {"sandbox", "production"}:
    raise ImproperlyConfigured(f"POLAR_SERVER must be 'sandbox' or 'production', not {POLAR_SERVER!r}.")
POLAR_API_URL = env.str("POLAR_API_URL", default="").rstrip("/") or (
    "https://api.polar.sh" if POLAR_SERVER == "production" else "https://sandbox-api.polar.sh"
)
# (connect, read) seconds for one call to Polar; idempotent calls and 429s are retried this many times
# with exponential backoff from POLAR_RETRY_BACKOFF seconds. Checkout and portal are POSTs a user waits
# for, so they are never retried on a timeout.
POLAR_TIMEOUT = (3.05, 10.0)
POLAR_RETRIES = 2
POLAR_RETRY_BACKOFF = 0.5
# --- end billing --------------------------------------------------------------------------------

# --- Banking (banking/) -------------------------------------------------------------------------
# Development-only key (DEBUG true and no keys set). Never used in production: `required` raises.
_DEV_BANK_KEY = "ZGV2ZWxvcG1lbnQtb25seS1rZXktMzItYnl0ZXMhISE="
BANK_DATA_ENCRYPTION_KEYS = env.list("BANK_DATA_ENCRYPTION_KEYS", default=[])
if not BANK_DATA_ENCRYPTION_KEYS:
    required("BANK_DATA_ENCRYPTION_KEYS")
    BANK_DATA_ENCRYPTION_KEYS = [_DEV_BANK_KEY]
FREE_MAX_BANK_ACCOUNTS = env.int("FREE_MAX_BANK_ACCOUNTS", default=1)
# Who sends micro-deposits (banking/verification.py). No ACH processor is connected: the built-in
# provider simulates one. Not an environment variable: swapping it is a code change.
BANK_VERIFICATION_PROVIDER = "banking.verification.SimulatedMicroDepositProvider"
# --- end banking --------------------------------------------------------------------------------

# --- E-mail -------------------------------------------------------------------------------------
# Django 6.1's MAILERS, built from one django-environ e-mail URL.
_email = env.email_url("EMAIL_URL", default="consolemail://")
_email_options = {
    "host": _email.get("EMAIL_HOST"),
    "port": _email.get("EMAIL_PORT"),
    "username": _email.get("EMAIL_HOST_USER"),
    "password": _email.get("EMAIL_HOST_PASSWORD"),
    "use_tls": _email.get("EMAIL_USE_TLS"),
    "use_ssl": _email.get("EMAIL_USE_SSL"),
    # `filemail:///var/mail/ledgerly` names an absolute folder (django-environ would drop the first slash).
    "file_path": urlsplit(env.str("EMAIL_URL", default="")).path or None,
}
if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
    _email_options["timeout"] = 10
if not _email["EMAIL_BACKEND"].endswith("filebased.EmailBackend"):
    _email_options.pop("file_path")
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": {key: value for key, value in _email_options.items() if value not in (None, "")},
    }
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Background tasks (saas/background.py) -----------------------------------------------------------
# Django's tasks framework. Unset TASKS_URL: the queue is a table in the main database (django-tasks-db),
# so one database is all a deployment needs. TASKS_URL=redis://...: RQ on Redis (django-tasks-rq).
# `python manage.py worker` runs tasks (either backend); `python manage.py clock` enqueues the periodic ones.
TASKS_URL = env.str("TASKS_URL", default="")
if not TASKS_URL:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
elif TASKS_URL.startswith(("redis://", "rediss://", "unix://")):
    INSTALLED_APPS.append("django_rq")
    # A job running longer than this is stopped and retried; a dead worker's job is retried once it is over.
    RQ_QUEUES = {"default": {"URL": TASKS_URL, "DEFAULT_TIMEOUT": 600}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    raise ImproperlyConfigured(
        f"TASKS_URL must be unset (tasks queue in the database) or a redis:// URL, not {TASKS_URL.split(':')[0]}://."
    )
# Database backend: each worker process proves it is alive every TASKS_WORKER_HEARTBEAT seconds; a task
# whose worker has been silent for TASKS_WORKER_LOST_AFTER seconds was lost with it, and is retried.
TASKS_WORKER_HEARTBEAT = 10
TASKS_WORKER_LOST_AFTER = 60
# Finished task rows kept for the admin (days): successful ones briefly, failed ones long enough to act on.
TASKS_KEEP_SUCCEEDED_DAYS = 7
TASKS_KEEP_FAILED_DAYS = 30
# The clock process (`python manage.py clock`) enqueues these tasks on these crontab schedules (UTC).
# `python manage.py run_periodic <name>` enqueues one now.
TASKS_PERIODIC = {
    "clear_expired_sessions": {"task": "saas.tasks.sessions_clear_expired", "cron": "10 3 * * *"},
    "purge_expired_cache": {"task": "saas.tasks.cache_purge_expired", "cron": "25 * * * *"},
    "prune_task_results": {"task": "saas.tasks.task_results_prune", "cron": "40 3 * * *"},
    "requeue_stalled_emails": {"task": "accounts.tasks.emails_requeue_stalled", "cron": "*/10 * * * *"},
    "purge_sent_emails": {"task": "accounts.tasks.emails_purge", "cron": "20 3 * * *"},
    "retry_failed_webhooks": {"task": "billing.tasks.webhook_events_retry_failed", "cron": "*/5 * * * *"},
    "reconcile_subscriptions": {"task": "billing.tasks.subscriptions_reconcile", "cron": "30 2 * * *"},
    "purge_webhook_payloads": {"task": "billing.tasks.webhook_events_purge", "cron": "50 3 * * *"},
    "detect_recurring_payments": {"task": "banking.tasks.recurring_detect_everyone", "cron": "15 4 * * *"},
    "daily_alerts": {"task": "banking.tasks.alerts_daily", "cron": "0 7 * * *"},
    "purge_abandoned_imports": {"task": "banking.tasks.imports_purge_abandoned", "cron": "45 3 * * *"},
}

# --- Static and uploaded files --------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 60 * 60 * 24 * 365 if not DEBUG else 0

# --- Security -----------------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind a TLS-terminating proxy (any Procfile platform) the scheme comes from this header.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Health checks come from the platform over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^api/health$"]
# How many proxies in front of the site append to X-Forwarded-For; 0 means use the socket address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# allauth's rate limits and sessions see the same client address as our audit log (saas.net.client_ip).
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

SECURE_CSP: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "https://*.googleusercontent.com", "https://www.gravatar.com"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    # Chromium applies form-action to the redirect after a POST: checkout, portal and Google sign-in
    # are POSTs here that answer with a redirect to those hosts.
    "form-action": [
        CSP.SELF,
        "https://polar.sh",
        "https://*.polar.sh",
        "https://accounts.google.com",
        *([POLAR_API_URL] if POLAR_API_URL.startswith("http://") else []),
    ],
}

ADMIN_URL = env.str("ADMIN_URL", default="admin/").lstrip("/")
if not ADMIN_URL.endswith("/"):
    ADMIN_URL += "/"

# JSON bodies bigger than this answer 413 `too_large`.
API_MAX_BODY_BYTES = 64 * 1024
# Checks a personal API token (`Authorization: Bearer ...`) for saas.api.TokenAuth.
API_TOKEN_AUTHENTICATOR = "accounts.api.authenticate_api_token"
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# The largest bank file an import accepts (banking.importers), and so the largest upload anywhere: a bigger
# body is refused before it is read (413), smaller files stream to a temporary file past 2.5 MB.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
FILE_UPLOAD_HANDLERS = [
    "banking.importers.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# One format for dates ("30 Nov 2026") and one for date-times ("30 Nov 2026, 14:05"): saas/formats/en/formats.py.
FORMAT_MODULE_PATH = ["saas.formats"]

# --- Logging: lines on stdout, JSON in production (saas/logging.py) ---------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
# `json` in production (what log collectors parse); `text`, one readable line per event, for a person at a
# terminal (`make run`). In development the access log also leaves out static files (dozens per page).
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = logging_config(LOG_LEVEL, fmt=LOG_FORMAT, quiet_paths=(f"/{STATIC_URL}", "/favicon.ico") if DEBUG else ())
