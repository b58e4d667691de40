"""Google's side of OAuth, for tests: the one seam is the requests session allauth's adapter hands out.

Everything else is real: allauth's views, state and PKCE handling, token parsing and sign-up.
"""

import base64
import hashlib
import json
import time
from urllib.parse import parse_qs

import jwt
import requests
from requests.adapters import BaseAdapter

CLIENT_ID = "test-client-id.apps.googleusercontent.com"
CLIENT_SECRET = "test-client-secret"
TOKEN_URL = "https://oauth2.googleapis.com/token"
USERINFO_URL = "https://www.googleapis.com/oauth2/v2/userinfo"


def provider_settings() -> dict:
    return {
        "google": {
            "APPS": [{"client_id": CLIENT_ID, "secret": CLIENT_SECRET, "key": ""}],
            "SCOPE": ["profile", "email"],
            "AUTH_PARAMS": {"access_type": "online"},
            "OAUTH_PKCE_ENABLED": True,
            "FETCH_USERINFO": True,
        }
    }


class FakeGoogle(BaseAdapter):
    """Answers Google's token and userinfo endpoints like Google does; refuses any other host."""

    def __init__(self, profile: dict, *, expected_challenge: str | None = None):
        super().__init__()
        self.profile = profile
        self.expected_challenge = expected_challenge
        self.requests: list[requests.PreparedRequest] = []

    def send(self, request, **kwargs):
        self.requests.append(request)
        if request.method == "POST" and request.url == TOKEN_URL:
            return self._token(request)
        if request.method == "GET" and request.url.startswith(USERINFO_URL):
            return self._json(200, {"id": self.profile["sub"], "verified_email": True, **self.profile})
        raise AssertionError(f"Unexpected request to {request.method} {request.url}")

    def close(self):
        pass

    def _token(self, request):
        form = {k: v[0] for k, v in parse_qs(request.body).items()}
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return self._json(401, {"error": "invalid_client"})
        if form.get("code") != "good-code":
            return self._json(400, {"error": "invalid_grant"})
        if self.expected_challenge is not None:
            verifier = form.get("code_verifier", "")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if digest != self.expected_challenge:
                return self._json(400, {"error": "invalid_grant", "error_description": "PKCE verification failed"})
        claims = {
            "iss": "https://accounts.google.com",
            "aud": CLIENT_ID,
            "azp": CLIENT_ID,
            "iat": int(time.time()),
            "exp": int(time.time()) + 3600,
            **self.profile,
        }
        id_token = jwt.encode(claims, "google-signs-with-rs256-but-this-is-never-checked-here-0123", algorithm="HS256")
        return self._json(
            200,
            {
                "access_token": "ya29.test",
                "expires_in": 3599,
                "token_type": "Bearer",
                "scope": "openid email profile",
                "id_token": id_token,
            },
        )

    def _json(self, status: int, body: dict):
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(body).encode()
        response.headers["Content-Type"] = "application/json; charset=utf-8"
        response.url = TOKEN_URL
        return response


def session_factory(fake: FakeGoogle):
    def get_requests_session(self):
        session = requests.Session()
        session.mount("https://", fake)
        session.mount("http://", fake)
        return session

    return get_requests_session
