"""The audit actions accounts writes (sign-in, password, e-mail, two-factor, sessions, tokens, data)."""

from typing import Any

from accounts.audit import ACTIVITY, SECURITY, AuditAction

MFA_TYPE_LABELS = {"totp": "authenticator app", "recovery_codes": "recovery codes", "webauthn": "security key"}
SESSION_END_REASONS = {"password_changed": "after the password changed", "password_reset": "after a password reset"}


def _sign_in_method(details: dict[str, Any], names) -> str:
    return "with Google" if details.get("provider") == "google" else "with e-mail and password"


def _mfa_type(details: dict[str, Any], names) -> str:
    return MFA_TYPE_LABELS.get(details.get("type") or "", "")


def _new_email(details: dict[str, Any], names) -> str:
    return f"to {details['to']}" if details.get("to") else ""


def _email(details: dict[str, Any], names) -> str:
    return str(details.get("email") or "")


def _sessions(details: dict[str, Any], names) -> str:
    count = details.get("sessions", 1)
    text = f"{count} session{'s' if count != 1 else ''}"
    reason = SESSION_END_REASONS.get(details.get("reason") or "")
    return f"{text} {reason}" if reason else text


def _profile(details: dict[str, Any], names) -> str:
    parts = ["name"] if details.get("name_changed") else []
    picture = details.get("picture")
    if picture:
        parts.append(f"picture {picture}")
    return ", ".join(parts)


def _token_name(details: dict[str, Any], names) -> str:
    name = details.get("name")
    return name if isinstance(name, str) else ""


AUDIT_ACTIONS = {
    "auth.signed_in": AuditAction("Signed in", SECURITY, _sign_in_method),
    "auth.signed_up": AuditAction("Created the account", SECURITY, _sign_in_method),
    "auth.signed_out": AuditAction("Signed out", SECURITY),
    "auth.sign_in_failed": AuditAction("Failed sign-in (wrong password)", SECURITY),
    "password.changed": AuditAction("Changed the password", SECURITY),
    "password.set": AuditAction("Set a password", SECURITY),
    "password.reset": AuditAction("Reset the password", SECURITY),
    "email.changed": AuditAction("Changed the e-mail address", SECURITY, _new_email),
    "email.verified": AuditAction("Verified an e-mail address", SECURITY, _email),
    "mfa.added": AuditAction("Added two-factor authentication", SECURITY, _mfa_type),
    "mfa.removed": AuditAction("Removed two-factor authentication", SECURITY, _mfa_type),
    "mfa.recovery_codes_regenerated": AuditAction("Generated new recovery codes", SECURITY),
    "mfa.failed": AuditAction("Wrong two-factor code", SECURITY, _mfa_type),
    "social.connected": AuditAction("Connected a Google account", SECURITY),
    "social.disconnected": AuditAction("Disconnected a Google account", SECURITY),
    "session.ended": AuditAction("Signed out other sessions", SECURITY, _sessions),
    "api_token.created": AuditAction("Created an API token", SECURITY, _token_name),
    "api_token.revoked": AuditAction("Revoked an API token", SECURITY, _token_name),
    "data.exported": AuditAction("Downloaded a data export", SECURITY),
    "account.deleted": AuditAction("Deleted the account", SECURITY),
    "profile.updated": AuditAction("Updated the profile", ACTIVITY, _profile),
}
