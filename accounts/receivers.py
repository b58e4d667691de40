"""allauth's and Django's signals, turned into audit events (and the sign-in log line).

Receivers only record what happened; the changes themselves are made by allauth's flows or our services.
"""

import logging

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from allauth.socialaccount import signals as social_signals
from allauth.usersessions.models import UserSession
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver

from accounts.audit import audit_log
from accounts.services import user_sessions_end_others

logger = logging.getLogger("accounts.auth")


def _provider(kwargs) -> str:
    sociallogin = kwargs.get("sociallogin")
    if sociallogin is not None:
        return sociallogin.account.provider
    return "email"


@receiver(account_signals.user_logged_in, dispatch_uid="accounts.audit.signed_in")
def on_signed_in(sender, request, user, **kwargs):
    provider = _provider(kwargs)
    audit_log(action="auth.signed_in", user=user, request=request, details={"provider": provider})
    logger.info("Signed in", extra={"event": "sign_in", "user_id": str(user.pk), "provider": provider})


@receiver(auth_signals.user_logged_out, dispatch_uid="accounts.audit.signed_out")
def on_signed_out(sender, request, user, **kwargs):
    if user is None or user.pk is None:
        return  # a deleted account: its deletion event is the record
    audit_log(action="auth.signed_out", user=user, request=request)
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


@receiver(account_signals.user_signed_up, dispatch_uid="accounts.audit.signed_up")
def on_signed_up(sender, request, user, **kwargs):
    audit_log(action="auth.signed_up", user=user, request=request, details={"provider": _provider(kwargs)})


@receiver(account_signals.password_changed, dispatch_uid="accounts.audit.password_changed")
def on_password_changed(sender, request, user, **kwargs):
    audit_log(action="password.changed", user=user, request=request)
    # Django already invalidated the other sessions (their auth hash no longer matches): end them for good.
    user_sessions_end_others(user=user, request=request, reason="password_changed")


@receiver(account_signals.password_set, dispatch_uid="accounts.audit.password_set")
def on_password_set(sender, request, user, **kwargs):
    audit_log(action="password.set", user=user, request=request)


@receiver(account_signals.password_reset, dispatch_uid="accounts.audit.password_reset")
def on_password_reset(sender, request, user, **kwargs):
    audit_log(action="password.reset", user=user, request=request)
    user_sessions_end_others(user=user, request=request, reason="password_reset")


@receiver(account_signals.email_changed, dispatch_uid="accounts.audit.email_changed")
def on_email_changed(sender, request, user, from_email_address, to_email_address, **kwargs):
    # Addresses are the user's own data, shown only to them; logs never see them.
    details = {"to": to_email_address.email}
    if from_email_address is not None:
        details["from"] = from_email_address.email
    audit_log(action="email.changed", user=user, request=request, details=details)


@receiver(account_signals.email_confirmed, dispatch_uid="accounts.audit.email_confirmed")
def on_email_confirmed(sender, request, email_address, **kwargs):
    audit_log(action="email.verified", user=email_address.user, request=request, details={"email": email_address.email})


@receiver(mfa_signals.authenticator_added, dispatch_uid="accounts.audit.mfa_added")
def on_authenticator_added(sender, request, user, authenticator, **kwargs):
    audit_log(action="mfa.added", user=user, request=request, details={"type": authenticator.type})


@receiver(mfa_signals.authenticator_removed, dispatch_uid="accounts.audit.mfa_removed")
def on_authenticator_removed(sender, request, user, authenticator, **kwargs):
    audit_log(action="mfa.removed", user=user, request=request, details={"type": authenticator.type})


@receiver(mfa_signals.authenticator_reset, dispatch_uid="accounts.audit.mfa_reset")
def on_authenticator_reset(sender, request, user, authenticator, **kwargs):
    audit_log(action="mfa.recovery_codes_regenerated", user=user, request=request, details={"type": authenticator.type})


@receiver(mfa_signals.authentication_failed, dispatch_uid="accounts.audit.mfa_failed")
def on_mfa_failed(sender, request, user, authenticator, reauthentication, **kwargs):
    details = {"type": getattr(authenticator, "type", None), "reauthentication": bool(reauthentication)}
    audit_log(action="mfa.failed", user=user, request=request, details=details)


@receiver(social_signals.social_account_added, dispatch_uid="accounts.audit.social_added")
def on_social_account_added(sender, request, sociallogin, **kwargs):
    audit_log(
        action="social.connected",
        user=sociallogin.user,
        request=request,
        details={"provider": sociallogin.account.provider},
    )


@receiver(social_signals.social_account_removed, dispatch_uid="accounts.audit.social_removed")
def on_social_account_removed(sender, request, socialaccount, **kwargs):
    audit_log(
        action="social.disconnected",
        user=socialaccount.user,
        request=request,
        details={"provider": socialaccount.provider},
    )
