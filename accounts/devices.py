"""Browsers that signed in before, so the per-account lockout cannot be used against the account's owner.

allauth locks an account after 5 wrong passwords in 5 minutes (`login_failed`, "5/5m/key"): anyone who knows an
address could keep its owner out. So every successful sign-in leaves a signed, HttpOnly cookie naming the
accounts that signed in from this browser (as keyed hashes of their ids: the cookie shows no id or address). A
password typed in such a browser for such an account is counted on that browser's own counter (the same 5 in 5
minutes) instead of the account's: a stranger's failures lock out strangers, never the owner's own browsers.
The per-address limit (10 failures a minute) applies to everyone. A successful password reset clears the
account's counter (allauth does it).
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac

COOKIE_NAME = "ledgerly_device"
MAX_AGE = timedelta(days=365)
# A shared computer keeps the accounts last signed in to; the cookie stays small.
MAX_ACCOUNTS = 10
COOKIE_SALT = "accounts.devices"


def account_token(user_id) -> str:
    """What the cookie holds for one account: a keyed hash of its id."""
    return salted_hmac(COOKIE_SALT, str(user_id), algorithm="sha256").hexdigest()[:32]


def _read(request: HttpRequest) -> dict:
    raw = request.COOKIES.get(COOKIE_NAME)
    if not raw:
        return {}
    try:
        value = signing.loads(raw, salt=COOKIE_SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return {}
    if not isinstance(value, dict) or not isinstance(value.get("device"), str):
        return {}
    accounts = value.get("accounts")
    return (
        {"device": value["device"], "accounts": [a for a in accounts if isinstance(a, str)]}
        if isinstance(accounts, list)
        else {}
    )


def device_login_failed_key(request: HttpRequest, *, user_id) -> str | None:
    """The failed-password counter of this browser for this account, when it signed in to it before; else None."""
    known = _read(request)
    token = account_token(user_id)
    if token not in known.get("accounts", ()):
        return None
    return f"device:{known['device']}:{token}"


def device_remember(request: HttpRequest, response: HttpResponse, *, user_id) -> None:
    """Add the account to this browser's cookie (first, so the oldest fall off), for another year."""
    known = _read(request)
    token = account_token(user_id)
    accounts = [token, *(a for a in known.get("accounts", ()) if a != token)][:MAX_ACCOUNTS]
    value = {"device": known.get("device") or secrets.token_hex(12), "accounts": accounts}
    response.set_cookie(
        COOKIE_NAME,
        signing.dumps(value, salt=COOKIE_SALT),
        max_age=int(MAX_AGE.total_seconds()),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
