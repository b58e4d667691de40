"""allauth's session activity tracking, with the write throttled to once per few minutes per session."""

import hashlib
import time

from allauth.usersessions import app_settings
from allauth.usersessions.models import UserSession
from django.http import HttpRequest, HttpResponse

from saas.net import client_ip

# How stale "last seen" may get. allauth's own middleware writes on every request: one UPDATE per
# page view is a cost every signed-in request would pay for a timestamp shown with minute precision.
SEEN_INTERVAL_SECONDS = 300
SESSION_KEY = "_usersession_seen"


def _client_fingerprint(request: HttpRequest) -> str:
    raw = f"{client_ip(request)}|{request.headers.get('User-Agent', '')}"
    return hashlib.blake2s(raw.encode(), digest_size=8).hexdigest()


class UserSessionsMiddleware:
    """Records the session's address, browser and last-seen time, like allauth's middleware does,
    but only when the client changed or SEEN_INTERVAL_SECONDS passed since the last record."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            app_settings.TRACK_ACTIVITY
            and hasattr(request, "session")
            and request.session.session_key
            and request.user.is_authenticated
        ):
            self._track(request)
        return self.get_response(request)

    def _track(self, request: HttpRequest) -> None:
        now = int(time.time())
        fingerprint = _client_fingerprint(request)
        seen = request.session.get(SESSION_KEY)
        if isinstance(seen, list) and len(seen) == 2:
            seen_at, seen_fingerprint = seen
            if seen_fingerprint == fingerprint and now - int(seen_at) < SEEN_INTERVAL_SECONDS:
                return
        UserSession.objects.create_from_request(request)
        request.session[SESSION_KEY] = [now, fingerprint]
