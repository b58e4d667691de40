"""How allauth is customised for Ledgerly: links in e-mails, the name field, audit of failures, Google profile."""

from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.urls import reverse

from accounts import devices, emails
from accounts.audit import audit_log
from accounts.models import User
from accounts.selectors import device_name
from saas.context_processors import SITE_NAME


def app_url(path: str) -> str:
    """An absolute link on the public site (APP_URL), never built from the request's Host header."""
    return f"{settings.APP_URL}{path}"


def _on_app_url(link: str) -> str:
    """An absolute link allauth built from the request (so on whatever host it named), moved onto APP_URL."""
    parts = urlsplit(link)
    if not (parts.scheme and parts.netloc):
        return link
    return app_url(urlunsplit(("", "", parts.path, parts.query, parts.fragment)))


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": "The e-mail address or the password is not correct.",
        "too_many_login_attempts": (
            "Too many failed sign-in attempts for this account. Wait a few minutes, or reset your password."
        ),
        "incorrect_password": "That password is not correct.",
        "invalid_or_expired_key": "This link has expired or is not valid.",
        "rate_limited": "Too many requests in a short time. Wait a minute, then try again.",
    }

    def save_user(self, request, user, form, commit=True):
        name = (form.cleaned_data.get("name") or "").strip()
        if name:
            user.name = name
        return super().save_user(request, user, form, commit=commit)

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return app_url(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def get_reset_password_from_key_url(self, key: str) -> str:
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return app_url(path.replace("UID-KEY", quote(key)))

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Every allauth e-mail: rendered here, in the request, and sent by a background task.

        Every link in it is on APP_URL: the `*_url` values allauth builds from the request (the unknown-account
        mail's sign-up link) are moved there, and our templates write the rest as `{{ APP_URL }}{% url ... %}`.
        """
        request = allauth_context.request
        links = {
            key: _on_app_url(value) for key, value in context.items() if key.endswith("_url") and isinstance(value, str)
        }
        site = SimpleNamespace(domain=urlsplit(settings.APP_URL).netloc, name=SITE_NAME)
        ctx = {"request": request, "email": email, **context, **links, "current_site": site}
        message = self.render_mail(template_prefix, email, ctx)
        user = context.get("user")
        user_id = user.pk if isinstance(user, User) and user.pk else _user_id_for_address(email)
        emails.email_queue(message=message, user_id=user_id, kind=template_prefix)

    def send_account_already_exists_mail(self, email: str) -> None:
        context = {
            "signup_url": app_url(reverse("account_signup")),
            "password_reset_url": app_url(reverse("account_reset_password")),
        }
        self.send_mail("account/email/account_already_exists", email, context)

    def pre_authenticate(self, request, **credentials: Any) -> None:
        """allauth's failed-password limits, except that a browser which signed in to this account before has a
        counter of its own instead of the account's (accounts/devices.py): a stranger cannot lock the owner out."""
        known = request.COOKIES.get(devices.COOKIE_NAME) and _active_user_for_address(credentials.get("email") or "")
        key = devices.device_login_failed_key(request, user_id=known.pk) if known else None
        if key is not None:
            # allauth keys the per-account counter by the address typed: this browser's key stands in for it.
            credentials = {**credentials, "email": key}
        super().pre_authenticate(request, **credentials)

    def post_login(self, request, user, **kwargs):
        response = super().post_login(request, user, **kwargs)
        devices.device_remember(request, response, user_id=user.pk)
        return response

    def authentication_failed(self, request, **credentials: Any) -> None:
        """A wrong password: audited against the account it was meant for, when there is one."""
        user = _active_user_for_address(credentials.get("email") or "")
        audit_log(action="auth.sign_in_failed", user=user, request=request)


def _active_user_for_address(address: str) -> User | None:
    """The active user who signs in with this address (a verified one first), or None."""
    from allauth.account.utils import filter_users_by_email

    users = filter_users_by_email(address, is_active=True, prefer_verified=True) if address else []
    return users[0] if users else None


def _user_id_for_address(address: str):
    """The user an address belongs to (any of their addresses, verified or not), or None."""
    user_id = EmailAddress.objects.filter(email__iexact=address).values_list("user_id", flat=True).first()
    return user_id or User.objects.filter(email__iexact=address).values_list("pk", flat=True).first()


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        extra = sociallogin.account.extra_data or {}
        name = (extra.get("name") or " ".join(filter(None, [data.get("first_name"), data.get("last_name")]))).strip()
        user.name = name[:150]
        picture = extra.get("picture") or ""
        if picture.startswith("https://"):
            user.image = picture[:500]
        return user

    def pre_social_login(self, request, sociallogin) -> None:
        """An existing user signing in with Google gets Google's name and picture where theirs are empty."""
        user = sociallogin.user
        if user is None or user.pk is None or not sociallogin.is_existing:
            return
        extra = sociallogin.account.extra_data or {}
        changed = []
        name = (extra.get("name") or "").strip()[:150]
        if name and not user.name:
            user.name = name
            changed.append("name")
        picture = extra.get("picture") or ""
        if picture.startswith("https://") and not user.avatar and not user.image:
            user.image = picture[:500]
            changed.append("image")
        if changed:
            user.save(update_fields=[*changed, "updated_at"])


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": "That code is not correct. Enter the current 6-digit code from your authenticator app, "
        "or one of your recovery codes.",
    }

    def generate_authenticator_name(self, user, type) -> str:
        """A new passkey's suggested name says where it lives ("Passkey on iPhone"), numbered if taken."""
        from allauth.mfa.models import Authenticator

        request = allauth_context.request
        device = device_name(request.headers.get("User-Agent", "")) if request is not None else ""
        base = f"Passkey on {device}" if device else "Passkey"
        named = Authenticator.objects.filter(user_id=user.pk, type=type).values_list("data", flat=True)
        taken = {(data or {}).get("name") for data in named}
        name, number = base, 1
        while name in taken:
            number += 1
            name = f"{base} ({number})"
        return name
