"""Personal API tokens: how they are made, and how a request that carries one is authenticated.

The scheme
    A token reads `lgy_<public id>_<secret>`: the `lgy_` prefix makes it recognisable (to people, and
    to secret scanners that look for leaked credentials), the public id (12 lowercase letters and
    digits) names the row, and the secret (40 letters and digits, about 238 random bits) proves
    possession. Only letters, digits and `_`, so a double click selects the whole token.

    The database keeps the public id and the SHA-256 of the secret, never the secret: the whole token
    is shown once, when it is made. A secret this random cannot be guessed from its hash, so a slow,
    salted password hash would only cost time on every request. Hashes are compared in constant time.

Each request (`authenticate_bearer`, called by the API's bearer authentication)
    1. The token must have the shape above, else `TokenInvalid` (malformed), without a query.
    2. One query loads the token by public id, with its user. Unknown id or wrong secret, revoked,
       expired, or a deactivated user: `TokenInvalid` (401), whose message says which and what to do.
    3. `last_used_at` is written at most once per LAST_USED_RESOLUTION, by a conditional UPDATE, so
       concurrent requests never race and a busy token costs no write on most requests.
    4. Each token may make RATE_LIMIT_REQUESTS requests per RATE_LIMIT_WINDOW seconds, counted in the
       shared cache (`django.core.cache.cache`, shared by every worker): `TokenRateLimited` (429) with
       the seconds until the window ends. Rejected requests count too.
    5. A `read` token may only read: any other method raises `TokenScopeError` (403).

Revoking takes effect on the next request: nothing about a token is cached.
"""

import hashlib
import hmac
import logging
import math
import re
import secrets
import string
import time
from datetime import timedelta

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import API_TOKEN_PREFIX, ApiToken

logger = logging.getLogger(__name__)

PUBLIC_ID_LENGTH = 12
SECRET_LENGTH = 40
_PUBLIC_ID_ALPHABET = string.ascii_lowercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits
_TOKEN_SHAPE = re.compile(
    rf"^{re.escape(API_TOKEN_PREFIX)}([a-z0-9]{{{PUBLIC_ID_LENGTH}}})_([A-Za-z0-9]{{{SECRET_LENGTH}}})$"
)

RATE_LIMIT_REQUESTS = 300
RATE_LIMIT_WINDOW = 60  # seconds
LAST_USED_RESOLUTION = timedelta(minutes=1)

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_CREATE_ANOTHER = "Create a new one under Settings, API tokens."


class TokenError(Exception):
    """A bearer token that cannot be used for this request; `message` tells the caller what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TokenInvalid(TokenError):
    """Not a token we accept (answer 401). `reason`: malformed, unknown, revoked, expired or inactive_user."""

    def __init__(self, message: str, *, reason: str):
        super().__init__(message)
        self.reason = reason


class TokenScopeError(TokenError):
    """A valid token without the scope this request needs (answer 403)."""


class TokenRateLimited(TokenError):
    """A valid token over its request rate (answer 429, with `Retry-After: retry_after`)."""

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def generate_token() -> tuple[str, str, str]:
    """A new random token: `(raw token, public id, secret hash)`. The raw token is shown once, never stored."""
    public_id = "".join(secrets.choice(_PUBLIC_ID_ALPHABET) for _ in range(PUBLIC_ID_LENGTH))
    secret = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(SECRET_LENGTH))
    return f"{API_TOKEN_PREFIX}{public_id}_{secret}", public_id, hash_secret(secret)


def authenticate_bearer(raw: str, *, method: str) -> ApiToken:
    """The live token `raw` names, with `.user` loaded, if it may make a `method` request now.

    One query when the token is valid and was used within the last minute; two otherwise.
    Raises TokenInvalid, TokenRateLimited or TokenScopeError (see the module docstring).
    """
    match = _TOKEN_SHAPE.match(raw.strip())
    if match is None:
        raise TokenInvalid(
            f"The API token is malformed. Send the whole token as it was shown when you made it "
            f"(it starts with {API_TOKEN_PREFIX}) in the header `Authorization: Bearer <token>`.",
            reason="malformed",
        )
    public_id, secret = match.groups()
    token = ApiToken.objects.select_related("user").filter(public_id=public_id).first()
    if token is None or not hmac.compare_digest(token.secret_hash, hash_secret(secret)):
        raise TokenInvalid(
            f"This API token is not valid: check that you copied all of it. {_CREATE_ANOTHER}", reason="unknown"
        )
    now = timezone.now()
    if token.revoked_at is not None:
        raise TokenInvalid(f"This API token was revoked. {_CREATE_ANOTHER}", reason="revoked")
    if token.expires_at is not None and token.expires_at <= now:
        expired = date_format(timezone.localtime(token.expires_at), "DATETIME_FORMAT")
        raise TokenInvalid(f"This API token expired on {expired} UTC. {_CREATE_ANOTHER}", reason="expired")
    if not token.user.is_active:
        raise TokenInvalid(
            "The account this API token belongs to is deactivated. Contact support to restore it.",
            reason="inactive_user",
        )
    _record_use(token, now)
    _count_request(token)
    if method.upper() not in READ_METHODS and token.scope != ApiToken.Scope.WRITE:
        raise TokenScopeError(
            f"This API token may only read: {method.upper()} needs a token with read and write access. "
            f"{_CREATE_ANOTHER}"
        )
    return token


def _record_use(token: ApiToken, now) -> None:
    """Move `last_used_at` on, at most once per LAST_USED_RESOLUTION, whoever else is writing it."""
    stale_before = now - LAST_USED_RESOLUTION
    if token.last_used_at is not None and token.last_used_at > stale_before:
        return
    ApiToken.objects.filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale_before), pk=token.pk).update(
        last_used_at=now
    )
    token.last_used_at = now


def _count_request(token: ApiToken) -> None:
    """Count this request in the token's fixed window; over the limit raises TokenRateLimited."""
    now = time.time()
    window = int(now // RATE_LIMIT_WINDOW)
    key = f"api-token-rate:{token.pk}:{window}"
    try:
        count = cache.incr(key)
    except ValueError:
        # The window's first request. add() stores only if no other request stored first, so
        # concurrent first requests still share one counter.
        count = 1 if cache.add(key, 1, timeout=RATE_LIMIT_WINDOW + 5) else cache.incr(key)
    if count > RATE_LIMIT_REQUESTS:
        retry_after = max(1, math.ceil((window + 1) * RATE_LIMIT_WINDOW - now))
        if count == RATE_LIMIT_REQUESTS + 1:
            logger.info(
                "API token over its rate limit",
                extra={"event": "api_token_rate_limited", "token_id": str(token.pk), "user_id": str(token.user_id)},
            )
        raise TokenRateLimited(
            f"Too many requests with this API token: at most {RATE_LIMIT_REQUESTS} every "
            f"{RATE_LIMIT_WINDOW} seconds. Try again in {retry_after} seconds.",
            retry_after=retry_after,
        )
