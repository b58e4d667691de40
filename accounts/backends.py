"""Authentication backends: Django's and allauth's, loading the signed-in user with what every request asks.

A request's user is loaded from the id in its session by the backend that signed it in. Here that one query
also answers whether the user's address is verified (`user.email_verified`), which the session API and pages
would otherwise ask the database for separately on every request.
"""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from allauth.account.models import EmailAddress
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db.models import Exists, OuterRef

from accounts.models import User


def user_with_email_verified(user_id) -> User | None:
    """The active user with `email_verified` annotated, in one query; None when there is none."""
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), email__iexact=OuterRef("email"), verified=True)
    user = User._default_manager.annotate(email_verified=Exists(verified)).filter(pk=user_id).first()
    return user if user is not None and user.is_active else None


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id):
        return user_with_email_verified(user_id)


class AuthenticationBackend(AllauthBackend):
    def get_user(self, user_id):
        return user_with_email_verified(user_id)
