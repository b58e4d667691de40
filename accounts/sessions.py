"""The session engine: Django's cached database sessions with two lifetimes.

"Keep me signed in" sessions last SESSION_COOKIE_AGE (14 days) from the last activity. Every other session
(the box left unticked, or a sign-in that offers no choice: Google, a passkey, an e-mail link) uses a
browser-session cookie and ends on the server after SESSION_IDLE_SECONDS without activity (12 hours). The
sessions middleware records activity at most every few minutes, which saves the session and moves its
expiry on, so "idle" is accurate to those few minutes.
"""

from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbSessionStore


class SessionStore(CachedDbSessionStore):
    def get_session_cookie_age(self) -> int:
        # Only sessions that did not ask for an explicit lifetime get here (`set_expiry(0)` or none):
        # "keep me signed in" sets SESSION_COOKIE_AGE itself.
        return settings.SESSION_IDLE_SECONDS
