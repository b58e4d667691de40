"""Accounts' JSON API: who is signed in."""

import datetime
import uuid

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from accounts import selectors
from accounts.models import ApiToken
from accounts.tokens import TokenInvalid, TokenRateLimited, TokenScopeError, authenticate_bearer
from saas.api import ApiError, json_response

router = Router(tags=["accounts"])


def authenticate_api_token(raw: str, *, method: str) -> ApiToken:
    """saas.api.TokenAuth's check (settings.API_TOKEN_AUTHENTICATOR): a personal API token, or the API's
    answer for why it cannot be used (401, 403 for a read-only token on a write, 429)."""
    try:
        return authenticate_bearer(raw, method=method)
    except TokenInvalid as error:
        raise ApiError("unauthorized", error.message) from None
    except TokenScopeError as error:
        raise ApiError("forbidden", error.message) from None
    except TokenRateLimited as error:
        limited = ApiError("rate_limited", error.message)
        limited.headers["Retry-After"] = str(error.retry_after)
        raise limited from None


class SessionUserOut(Schema):
    id: uuid.UUID
    email: str
    name: str
    image: str | None
    email_verified: bool


class SessionOut(Schema):
    expires_at: datetime.datetime


class AuthSessionOut(Schema):
    user: SessionUserOut | None
    session: SessionOut | None


@router.get("/auth/session", auth=None, response=AuthSessionOut)
def auth_session(request: HttpRequest) -> HttpResponse:
    """The seed's `authClient.getSession()`: who is signed in with this browser, and until when."""
    user = request.user
    if not user.is_authenticated:
        return json_response({"user": None, "session": None})
    # Answered directly (the shape is AuthSessionOut): every page and script asks this, often.
    return json_response(
        {
            "user": {
                "id": str(user.pk),
                "email": user.email,
                "name": user.name,
                "image": selectors.user_image_url(user),
                "email_verified": selectors.user_email_verified(user),
            },
            "session": {"expires_at": request.session.get_expiry_date()},
        }
    )
