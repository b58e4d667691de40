"""Writes for accounts: users, profiles, sessions, deletion. Keyword-only, atomic, audited."""

import logging
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.usersessions.adapter import get_adapter as get_usersessions_adapter
from allauth.usersessions.models import UserSession
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import Http404, HttpRequest
from django.utils import timezone
from PIL import Image

from accounts import registry
from accounts.audit import audit_log
from accounts.avatars import avatar_delete_file, avatar_encode, avatar_save_file
from accounts.models import ApiToken, User
from accounts.tokens import generate_token

logger = logging.getLogger(__name__)


def user_data_changed(user_id) -> None:
    """What the user's pages show has changed: move their data version on, in the caller's transaction.

    Cached fragments (the dashboard overview) are keyed by it, so the next request after the commit
    builds them afresh, and a rolled-back write leaves the version where it was. One UPDATE is atomic on
    its own, so no savepoint (two round trips on every write that calls this).
    """
    User.objects.filter(pk=user_id).update(data_version=F("data_version") + 1)


def user_create(*, email: str, password: str | None, name: str = "", verified: bool = False) -> User:
    """Create a user who signs in with `email` and `password`, with allauth's primary EmailAddress row."""
    user = User.objects.create_user(email=email, password=password, name=name.strip())
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=verified)
    return user


def user_update_profile(
    *,
    user: User,
    name: str,
    avatar_image: Image.Image | None = None,
    remove_avatar: bool = False,
    request: HttpRequest | None = None,
) -> User:
    """Change the name and picture. A new picture is re-encoded and stored; the old file goes after commit."""
    new_file = avatar_save_file(user_id=user.pk, content=avatar_encode(avatar_image)) if avatar_image else None
    old_file = user.avatar
    try:
        with transaction.atomic():
            details = {"name_changed": user.name != name.strip()}
            user.name = name.strip()
            if new_file:
                user.avatar = new_file
                details["picture"] = "uploaded"
            elif remove_avatar:
                user.avatar = ""
                user.image = ""
                details["picture"] = "removed"
            user.full_clean(exclude=["password"])
            user.save(update_fields=["name", "avatar", "image", "updated_at"])
            audit_log(action="profile.updated", user=user, request=request, details=details)
            if old_file and old_file != user.avatar:
                transaction.on_commit(lambda: avatar_delete_file(old_file))
    except Exception:
        if new_file:
            avatar_delete_file(new_file)
        raise
    return user


def user_session_end(*, user: User, session_id: int, request: HttpRequest) -> None:
    """End one of the user's other sessions: its next request is signed out."""
    session = UserSession.objects.filter(user=user, pk=session_id).first()
    if session is None:
        raise Http404("No such session.")
    if session.session_key == request.session.session_key:
        raise ValidationError("This is the session you are using: sign out instead.")
    with transaction.atomic():
        get_usersessions_adapter().end_sessions([session])
        audit_log(action="session.ended", user=user, request=request, details={"sessions": 1})


def user_sessions_end_others(*, user: User, request: HttpRequest | None, reason: str = "user") -> int:
    """End every session of the user except the current one; returns how many ended."""
    current = request.session.session_key if request is not None and hasattr(request, "session") else None
    sessions = [s for s in UserSession.objects.filter(user=user) if s.session_key != current]
    if not sessions:
        return 0
    with transaction.atomic():
        get_usersessions_adapter().end_sessions(sessions)
        audit_log(
            action="session.ended",
            user=user,
            request=request,
            details={"sessions": len(sessions), "reason": reason},
        )
    return len(sessions)


def user_delete(*, user: User, request: HttpRequest) -> None:
    """Delete the account and everything it owns (every FK to the user cascades; the apps above clean up the
    rest in their registered deletion hooks), then sign out.

    The audit event outlives the user row, so it names the deleted id instead of pointing at the user.
    """
    user_id = str(user.pk)
    avatar = user.avatar
    sessions = list(UserSession.objects.filter(user=user).exclude(session_key=request.session.session_key))
    with transaction.atomic():
        audit_log(action="account.deleted", user=None, request=request, details={"user_id": user_id})
        get_usersessions_adapter().end_sessions(sessions)
        registry.deletion_hooks_run(user=user)
        user.delete()
        if avatar:
            transaction.on_commit(lambda: avatar_delete_file(avatar))
    logout(request)
    logger.info("Account deleted", extra={"event": "account_deleted", "user_id": user_id})


# --- Personal API tokens ----------------------------------------------------------------------------


def _api_token_audit_details(token: ApiToken) -> dict:
    return {"token_id": str(token.pk), "name": token.name, "scope": token.scope}


def api_token_create(
    *, user: User, name: str, scope: str, expires_in_days: int | None, request: HttpRequest | None
) -> tuple[ApiToken, str]:
    """Make a personal API token; returns it and the raw token, which is shown once and never stored.

    `expires_in_days` is one of API_TOKEN_EXPIRY_DAYS, or None for a token that never expires.
    """
    raw, public_id, secret_hash = generate_token()
    created_at = timezone.now()
    token = ApiToken(
        user=user,
        name=name,
        scope=scope,
        public_id=public_id,
        secret_hash=secret_hash,
        created_at=created_at,
        expires_at=created_at + timedelta(days=expires_in_days) if expires_in_days is not None else None,
    )
    with transaction.atomic():
        # Holding the user's row makes the live-token count in full_clean() exact under concurrency.
        User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).get()
        token.full_clean()
        token.save(force_insert=True)
        audit_log(action="api_token.created", user=user, request=request, details=_api_token_audit_details(token))
    return token, raw


def api_token_revoke(*, user: User, token: ApiToken, request: HttpRequest | None) -> ApiToken:
    """Revoke one of the user's tokens: its next request gets 401. Revoking twice changes nothing."""
    if token.user_id != user.pk:
        raise Http404("No such API token.")
    now = timezone.now()
    with transaction.atomic():
        revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
        if revoked:
            audit_log(action="api_token.revoked", user=user, request=request, details=_api_token_audit_details(token))
    if revoked:
        token.revoked_at = now
    return token
