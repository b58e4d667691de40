"""Reads for accounts: profile picture, security overview, sessions, the audit log's two views, the data export."""

import datetime
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core import signing
from django.db.models import BooleanField, Case, Q, When
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from ua_parser import parse as parse_user_agent

from accounts import registry
from accounts.audit import ACTIONS, ACTIVITY, SECURITY, AuditKind, audit_actions_of_kind, audit_names
from accounts.models import MAX_LIVE_API_TOKENS, ApiToken, AuditEvent, User, api_token_live_q

EXPORT_CHUNK_SIZE = 500


def user_avatar_url(user: User) -> str:
    """The picture to show: an uploaded one, else Google's, else the generated initials."""
    if user.avatar:
        version = int(user.updated_at.timestamp()) if user.updated_at else 0
        return f"{reverse('settings_avatar')}?v={version}"
    if user.image:
        return user.image
    return f"{reverse('settings_avatar')}?v=initials"


def user_image_url(user: User) -> str | None:
    """The picture as the session API reports it: absent when the user has none of their own."""
    if user.avatar:
        return settings.APP_URL + user_avatar_url(user)
    return user.image or None


def user_email_verified(user: User) -> bool:
    """Whether the user's address is verified; the session's user carries the answer (accounts/backends.py)."""
    if hasattr(user, "email_verified"):
        return user.email_verified
    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


@dataclass(frozen=True)
class SecurityOverview:
    email_addresses: list[EmailAddress]
    has_password: bool
    totp: Authenticator | None
    webauthn: list[Authenticator]
    recovery_codes: Authenticator | None
    social_accounts: list[SocialAccount]

    @property
    def mfa_enabled(self) -> bool:
        return self.totp is not None or bool(self.webauthn)

    @property
    def primary_email(self) -> EmailAddress | None:
        return next((e for e in self.email_addresses if e.primary), None)

    @property
    def pending_email(self) -> EmailAddress | None:
        return next((e for e in self.email_addresses if not e.primary and not e.verified), None)

    @property
    def unused_recovery_codes(self) -> int:
        if self.recovery_codes is None:
            return 0
        return len(self.recovery_codes.wrap().get_unused_codes())


def user_security_overview(*, user: User) -> SecurityOverview:
    authenticators = list(Authenticator.objects.filter(user=user).order_by("created_at"))
    by_type: dict[str, list[Authenticator]] = {}
    for authenticator in authenticators:
        by_type.setdefault(authenticator.type, []).append(authenticator)
    return SecurityOverview(
        email_addresses=list(EmailAddress.objects.filter(user=user).order_by("-primary", "email")),
        has_password=user.has_usable_password(),
        totp=(by_type.get(Authenticator.Type.TOTP) or [None])[0],
        webauthn=by_type.get(Authenticator.Type.WEBAUTHN, []),
        recovery_codes=(by_type.get(Authenticator.Type.RECOVERY_CODES) or [None])[0],
        social_accounts=list(SocialAccount.objects.filter(user=user).order_by("provider")),
    )


@dataclass(frozen=True)
class ActivityRow:
    event: AuditEvent
    label: str
    detail: str


@dataclass(frozen=True)
class ActivityPage:
    rows: list[ActivityRow]
    older_cursor: str | None  # the link to the next, older page; None on the last page


class InvalidActivityCursor(ValueError):
    """The "older" link was not made by this site or is damaged."""


ACTIVITY_CURSOR_SALT = "accounts.activity.cursor"


def _activity_rows(user: User, events: list[AuditEvent]) -> list[ActivityRow]:
    names = audit_names(user.pk, events)
    rows = []
    for event in events:
        action = ACTIONS.get(event.action)
        if action is None:  # written by an action since removed: shown by its code
            rows.append(ActivityRow(event, event.action, ""))
        else:
            rows.append(ActivityRow(event, action.label, action.describe(event.details, names)))
    return rows


def _kind_events(user: User, kind: AuditKind):
    # Filtered in the database, so a flood of one kind never pushes the other off its page.
    return AuditEvent.objects.filter(user=user, action__in=audit_actions_of_kind(kind)).order_by("-created_at", "-id")


def user_security_activity(*, user: User, limit: int = 30) -> list[ActivityRow]:
    """The latest sign-ins, password, e-mail, two-factor, session, token, export and deletion events."""
    return _activity_rows(user, list(_kind_events(user, SECURITY)[:limit]))


def user_activity_page(*, user: User, cursor: str | None = None, limit: int = 50) -> ActivityPage:
    """One page of the user's everyday edits, newest first, and the cursor of the older page after it.

    Keyset pagination on (created_at, id): every page costs what the first costs.
    """
    events = _kind_events(user, ACTIVITY)
    if cursor:
        try:
            created_at, pk = signing.loads(cursor, salt=ACTIVITY_CURSOR_SALT)
            created_at = datetime.datetime.fromisoformat(created_at)
            if isinstance(pk, bool) or not isinstance(pk, int):
                raise ValueError(pk)
        except (signing.BadSignature, TypeError, ValueError):
            raise InvalidActivityCursor("This link is not valid: start again from the newest activity.") from None
        events = events.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=pk))
    page = list(events[: limit + 1])
    older = None
    if len(page) > limit:
        page = page[:limit]
        older = signing.dumps([page[-1].created_at.isoformat(), page[-1].pk], salt=ACTIVITY_CURSOR_SALT)
    return ActivityPage(rows=_activity_rows(user, page), older_cursor=older)


@lru_cache(maxsize=512)
def describe_user_agent(user_agent: str) -> str:
    """A readable "Browser on OS (device)" from a User-Agent string."""
    if not user_agent:
        return "Unknown browser"
    result = parse_user_agent(user_agent)
    browser = result.user_agent.family if result.user_agent else "Unknown browser"
    if result.user_agent and result.user_agent.major:
        browser = f"{browser} {result.user_agent.major}"
    parts = [browser]
    if result.os and result.os.family and result.os.family != "Other":
        os_name = result.os.family
        if result.os.major:
            os_name = f"{os_name} {result.os.major}"
        parts.append(f"on {os_name}")
    device = result.device.family if result.device else ""
    if device and device not in {"Other", "Generic Smartphone"} and device.lower() not in " ".join(parts).lower():
        parts.append(f"({device})")
    return " ".join(parts)


@lru_cache(maxsize=512)
def device_name(user_agent: str) -> str:
    """The device a User-Agent names, for people: "iPhone", "Mac", "Pixel 8", else the system ("Windows");
    "" when it names neither."""
    result = parse_user_agent(user_agent) if user_agent else None
    device = result.device.family if result and result.device else ""
    if device and device not in {"Other", "Generic Smartphone", "Generic Feature Phone", "Spider"}:
        return device
    system = result.os.family if result and result.os else ""
    return {"Mac OS X": "Mac", "Other": ""}.get(system, system or "")


@dataclass(frozen=True)
class SessionRow:
    id: int
    ip: str
    device: str
    created_at: Any
    last_seen_at: Any
    is_current: bool


def user_sessions(*, user: User, current_session_key: str | None) -> list[SessionRow]:
    """The user's live sessions, this device first, then the most recently seen; one query."""
    cutoff = timezone.now() - datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    sessions = UserSession.objects.filter(user=user, last_seen_at__gte=cutoff).order_by("-last_seen_at")
    rows = [
        SessionRow(
            id=s.pk,
            ip=s.ip,
            device=describe_user_agent(s.user_agent),
            created_at=s.created_at,
            last_seen_at=s.last_seen_at,
            is_current=s.session_key == current_session_key,
        )
        for s in sessions
    ]
    rows.sort(key=lambda r: not r.is_current)
    return rows


# --- API tokens -------------------------------------------------------------------------------------

# Tokens listed on the page: every live one (at most MAX_LIVE_API_TOKENS), then the latest ended ones.
API_TOKENS_LISTED = MAX_LIVE_API_TOKENS + 30


@dataclass(frozen=True)
class ApiTokenList:
    tokens: Sequence[ApiToken]
    live_count: int

    @property
    def at_limit(self) -> bool:
        return self.live_count >= MAX_LIVE_API_TOKENS


def user_api_tokens(*, user: User) -> ApiTokenList:
    """The user's tokens for the settings page, live ones first, newest first; one query."""
    now = timezone.now()
    is_live = Case(When(api_token_live_q(now), then=True), default=False, output_field=BooleanField())
    tokens = list(
        ApiToken.objects.filter(user=user)
        .defer("secret_hash")
        .annotate(is_live_now=is_live)
        .order_by("-is_live_now", "-created_at", "-id")[:API_TOKENS_LISTED]
    )
    for token in tokens:
        token.status_now = token.status_at(now)
    return ApiTokenList(tokens=tokens, live_count=sum(1 for t in tokens if t.is_live_now))


def get_api_token_for_user(*, user: User, token_id) -> ApiToken:
    """One of the user's tokens; anyone else's (or none) is a 404."""
    return get_object_or_404(ApiToken.objects.defer("secret_hash"), pk=token_id, user=user)


# --- Export -----------------------------------------------------------------------------------------


def export_sections(*, user: User) -> Iterable[tuple[str, Iterable[dict]]]:
    """This app's part of the data export: each section's rows are produced lazily."""
    yield (
        "email_addresses",
        (
            {"email": e["email"], "primary": e["primary"], "verified": e["verified"]}
            for e in EmailAddress.objects.filter(user=user).values("email", "primary", "verified").iterator()
        ),
    )
    yield (
        "connected_accounts",
        (
            {"provider": a["provider"], "connected_at": a["date_joined"], "last_login": a["last_login"]}
            for a in SocialAccount.objects.filter(user=user).values("provider", "date_joined", "last_login").iterator()
        ),
    )
    yield (
        "two_factor",
        (
            {"type": a["type"], "created_at": a["created_at"], "last_used_at": a["last_used_at"]}
            for a in Authenticator.objects.filter(user=user).values("type", "created_at", "last_used_at").iterator()
        ),
    )
    yield (
        "sessions",
        (
            {
                "ip": s["ip"],
                "device": describe_user_agent(s["user_agent"]),
                "created_at": s["created_at"],
                "last_seen_at": s["last_seen_at"],
            }
            for s in UserSession.objects.filter(user=user)
            .values("ip", "user_agent", "created_at", "last_seen_at")
            .iterator(chunk_size=EXPORT_CHUNK_SIZE)
        ),
    )
    yield (
        "api_tokens",
        (
            {
                "name": t["name"],
                "prefix": ApiToken(public_id=t["public_id"]).prefix,
                "scope": t["scope"],
                "created_at": t["created_at"],
                "expires_at": t["expires_at"],
                "last_used_at": t["last_used_at"],
                "revoked_at": t["revoked_at"],
            }
            for t in ApiToken.objects.filter(user=user)
            .order_by("created_at")
            .values("name", "public_id", "scope", "created_at", "expires_at", "last_used_at", "revoked_at")
            .iterator()
        ),
    )
    yield (
        "audit_events",
        (
            {
                "action": e["action"],
                "created_at": e["created_at"],
                "ip_address": e["ip_address"],
                "user_agent": e["user_agent"],
                "request_id": e["request_id"],
                "details": e["details"],
            }
            for e in AuditEvent.objects.filter(user=user)
            .order_by("created_at", "id")
            .values("action", "created_at", "ip_address", "user_agent", "request_id", "details")
            .iterator(chunk_size=EXPORT_CHUNK_SIZE)
        ),
    )


def export_profile(*, user: User) -> dict[str, Any]:
    return {
        "id": str(user.pk),
        "email": user.email,
        "name": user.name,
        "image": user_image_url(user),
        "created_at": user.created_at,
        "updated_at": user.updated_at,
        "last_login": user.last_login,
    }


def export_all_sections(*, user: User) -> Iterator[tuple[str, Iterable[dict]]]:
    """Every section of the export: ours, then those the apps above register (billing's, then banking's)."""
    yield from export_sections(user=user)
    yield from registry.export_sections(user=user)
