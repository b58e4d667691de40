"""Writes for accounts: users, profiles, sessions, deletion. Keyword-only, atomic, audited."""

import logging
from datetime import timedelta
from email.utils import parseaddr

from allauth.account.models import EmailAddress
from allauth.usersessions.adapter import get_adapter as get_usersessions_adapter
from allauth.usersessions.models import UserSession
from django.contrib.admin.models import LogEntry
from django.contrib.auth import logout
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.http import Http404, HttpRequest
from django.utils import timezone
from PIL import Image

from accounts import registry
from accounts.audit import audit_log
from accounts.avatars import avatar_delete_all, avatar_delete_file, avatar_encode, avatar_save_file
from accounts.caching import user_cache_forget
from accounts.models import ApiToken, OutboundEmail, User
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
            details: dict[str, bool | str] = {"name_changed": user.name != name.strip()}
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
    """Delete the account and everything it owns, then sign out.

    Every foreign key to the user cascades; the apps above clean up what none reaches in their registered
    deletion hooks; rows here that name the user without a key (e-mails queued to their address before the
    account existed, the admin's history of their record) go too. After the commit, their pictures and every
    cache entry keyed by their id (accounts.caching). The audit event outlives the user: it names the deleted
    id and nothing else of theirs (no address, no browser), with the request id to find the request by.
    """
    user_id = str(user.pk)
    sessions = list(UserSession.objects.filter(user=user).exclude(session_key=request.session.session_key))
    with transaction.atomic():
        audit_log(action="account.deleted", user=None, request=None, details={"user_id": user_id})
        get_usersessions_adapter().end_sessions(sessions)
        registry.deletion_hooks_run(user=user)
        _user_unkeyed_rows_delete(user)
        user.delete()
        transaction.on_commit(lambda: _user_files_and_caches_delete(user_id))
    logout(request)
    logger.info("Account deleted", extra={"event": "account_deleted", "user_id": user_id})


def _user_unkeyed_rows_delete(user: User) -> None:
    """Rows of accounts and Django's admin that name the user without a foreign key to them."""
    addresses = {
        user.email.lower(),
        *(e.lower() for e in EmailAddress.objects.filter(user=user).values_list("email", flat=True)),
    }
    unlinked = OutboundEmail.objects.filter(user__isnull=True)
    matches = Q()
    for address in addresses:
        matches |= Q(to__icontains=address)
    ids = [
        row.pk
        for row in unlinked.filter(matches).only("id", "to")
        if addresses & {parseaddr(str(to))[1].lower() for to in row.to}
    ]
    OutboundEmail.objects.filter(pk__in=ids).delete()
    about_them = Q(content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk))
    for address in addresses:
        about_them |= Q(object_repr__iexact=address)
    LogEntry.objects.filter(about_them).delete()


def _user_files_and_caches_delete(user_id: str) -> None:
    avatar_delete_all(user_id=user_id)
    user_cache_forget(user_id=user_id)


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
