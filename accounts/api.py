"""Accounts' JSON API: who is signed in."""

import datetime
import uuid

from django.http import HttpRequest
from ninja import Router, Schema

from accounts import selectors

router = Router(tags=["accounts"])


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
def auth_session(request: HttpRequest):
    """The seed's `authClient.getSession()`: who is signed in with this browser, and until when."""
    user = request.user
    if not user.is_authenticated:
        return {"user": None, "session": None}
    return {
        "user": {
            "id": user.pk,
            "email": user.email,
            "name": user.name,
            "image": selectors.user_image_url(user),
            "email_verified": selectors.user_email_verified(user),
        },
        "session": {"expires_at": request.session.get_expiry_date()},
    }
