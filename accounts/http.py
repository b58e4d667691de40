"""The request type of signed-in views, for annotations.

`saas.middleware.LoginRequiredMiddleware` denies anonymous users every view not marked `login_not_required`,
and the API's authentication does the same for every operation without `auth=None`: behind them
`request.user` is always a `User`, never `AnonymousUser`.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from accounts.models import User
from saas.http import RequestWithId


class AuthenticatedHttpRequest(RequestWithId):
    user: User


def signed_in_user(request: HttpRequest) -> User:
    """`request.user` where only signed-in users get through (an admin page, a view behind the middleware),
    for code whose signature must keep Django's `HttpRequest` (an overridden ModelAdmin method)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user
