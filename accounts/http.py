"""The request type of signed-in views, for annotations.

`saas.middleware.LoginRequiredMiddleware` denies anonymous users every view not marked `login_not_required`,
and the API's authentication does the same for every operation without `auth=None`: behind them
`request.user` is always a `User`, never `AnonymousUser`.
"""

from accounts.models import User
from saas.http import RequestWithId


class AuthenticatedHttpRequest(RequestWithId):
    user: User
