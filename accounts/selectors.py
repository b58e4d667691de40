"""Reads for accounts: profile picture, security overview, sessions, activity, the data export."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from ua_parser import parse as parse_user_agent

from accounts import registry
from accounts.models import AuditEvent, User

EXPORT_CHUNK_SIZE = 500

# What each audit action means to the person reading their own activity list.
ACTION_LABELS = {
    "auth.signed_in": "Signed in",
    "auth.signed_up": "Created the account",
    "auth.signed_out": "Signed out",
    "auth.sign_in_failed": "Failed sign-in (wrong password)",
    "password.changed": "Changed the password",
    "password.set": "Set a password",
    "password.reset": "Reset the password",
    "email.changed": "Changed the e-mail address",
    "email.verified": "Verified an e-mail address",
    "mfa.added": "Added two-factor authentication",
    "mfa.removed": "Removed two-factor authentication",
    "mfa.recovery_codes_regenerated": "Generated new recovery codes",
    "mfa.failed": "Wrong two-factor code",
    "social.connected": "Connected a Google account",
    "social.disconnected": "Disconnected a Google account",
    "session.ended": "Signed out other sessions",
    "profile.updated": "Updated the profile",
    "data.exported": "Downloaded a data export",
}
MFA_TYPE_LABELS = {"totp": "authenticator app", "recovery_codes": "recovery codes", "webauthn": "security key"}


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


def _describe(event: AuditEvent) -> str:
    details = event.details or {}
    if event.action == "mfa.added" or event.action == "mfa.removed" or event.action == "mfa.failed":
        return MFA_TYPE_LABELS.get(details.get("type") or "", "")
    if event.action in {"auth.signed_in", "auth.signed_up"}:
        return "with Google" if details.get("provider") == "google" else "with e-mail and password"
    if event.action == "email.changed":
        return f"to {details.get('to', '')}"
    if event.action == "session.ended":
        count = details.get("sessions", 1)
        return f"{count} session{'s' if count != 1 else ''}"
    return ""


def user_security_activity(*, user: User, limit: int = 30) -> list[ActivityRow]:
    events = AuditEvent.objects.filter(user=user).order_by("-created_at", "-id")[:limit]
    return [ActivityRow(e, ACTION_LABELS.get(e.action, e.action), _describe(e)) for e in events]


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
    cutoff = timezone.now() - timezone.timedelta(seconds=settings.SESSION_COOKIE_AGE)
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
