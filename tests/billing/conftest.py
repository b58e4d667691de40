"""Billing test helpers: Polar's sample events, signed in the test with standardwebhooks, and a local
HTTP server standing in for Polar's API (the one seam we replace)."""

import base64
import contextlib
import copy
import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from standardwebhooks import Webhook

FIXTURES = Path(__file__).parent / "fixtures"
LEGACY_SECRET = "polar_whs_legacy-secret-0123456789abcdefABCDEF"
WHSEC_SECRET = "whsec_" + base64.b64encode(b"a 32 byte key for whsec secrets!").decode()
POLAR_TOKEN = "polar_oat_test-token-never-logged-0123456789"
WEBHOOK_URL = "/api/payments/webhooks"


def load_fixture(name: str, user=None) -> dict:
    text = (FIXTURES / f"{name}.json").read_text()
    if user is not None:
        text = text.replace("REPLACE-WITH-USER-ID", str(user.pk))
    return json.loads(text)


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


BASE_TIME = datetime(2026, 11, 20, 10, 15, 31, 133502, tzinfo=UTC)


def subscription_event(user, event_type: str, *, minutes: float = 0, **changes) -> dict:
    """The fixture's subscription event as `event_type`, modified `minutes` after the fixture's time."""
    event = load_fixture("subscription.active", user)
    event["type"] = event_type
    event["data"]["modified_at"] = iso(BASE_TIME + timedelta(minutes=minutes))
    event["timestamp"] = event["data"]["modified_at"]
    event["data"].update(changes)
    return event


def order_event(user, event_type: str, *, minutes: float = 0, **changes) -> dict:
    event = load_fixture("order.paid", user)
    event["type"] = event_type
    event["data"]["modified_at"] = iso(BASE_TIME + timedelta(minutes=minutes))
    event["data"].update(changes)
    return event


def signing_webhook(secret: str) -> Webhook:
    """How Polar signs: `whsec_` secrets are base64 keys, legacy secrets sign with their UTF-8 bytes."""
    if secret.startswith("whsec_"):
        return Webhook(secret)
    return Webhook(base64.b64encode(secret.encode()).decode())


def signed_headers(body: str, *, secret: str, webhook_id: str | None = None, at: datetime | None = None) -> dict:
    webhook_id = webhook_id or f"msg_{uuid.uuid4().hex}"
    at = at or datetime.now(tz=UTC)
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signing_webhook(secret).sign(webhook_id, at, body),
    }


def post_event(client: Client, event: dict, *, secret: str, webhook_id: str | None = None, at=None, headers=None):
    body = json.dumps(event)
    sent_headers = signed_headers(body, secret=secret, webhook_id=webhook_id, at=at)
    if headers is not None:
        sent_headers = headers(sent_headers)
    return client.post(WEBHOOK_URL, data=body, content_type="application/json", headers=sent_headers)


@pytest.fixture(params=["legacy", "whsec"])
def webhook_secret(request, settings) -> str:
    """Each webhook test runs with both kinds of Polar secret."""
    secret = LEGACY_SECRET if request.param == "legacy" else WHSEC_SECRET
    settings.POLAR_WEBHOOK_SECRET = secret
    return secret


@pytest.fixture
def polar_client_anonymous() -> Client:
    """Polar's side: no session, and CSRF enforced like for any other stranger."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def deliver(polar_client_anonymous, webhook_secret):
    def deliver(event: dict, **kwargs):
        return post_event(polar_client_anonymous, event, secret=webhook_secret, **kwargs)

    return deliver


# --- A local stand-in for Polar's API ------------------------------------------------------------------


class FakePolar:
    """Records every request; answers from a queue of canned responses per (method, path), else defaults."""

    def __init__(self):
        self.requests: list[dict] = []
        self.queued: dict[tuple[str, str], list[dict]] = {}
        self.url = ""
        self.checkout_url = "https://sandbox.polar.sh/checkout/polar_c_test"
        self.portal_url = "https://sandbox.polar.sh/portal/session-test"
        self.subscriptions: list[dict] = []
        self.products: list[dict] = []
        self.page_size: int | None = None

    def respond(self, method: str, path: str, status: int = 200, body=None, *, hang: float = 0, headers=None):
        self.queued.setdefault((method, path), []).append(
            {"status": status, "body": body, "hang": hang, "headers": headers or {}}
        )

    def calls(self, method: str, path: str) -> list[dict]:
        return [r for r in self.requests if r["method"] == method and r["path"] == path]

    def _paged(self, items: list[dict], query: dict) -> dict:
        page = int(query.get("page", ["1"])[0])
        size = self.page_size or int(query.get("limit", ["10"])[0])
        chunk = items[(page - 1) * size : page * size]
        max_page = max(1, -(-len(items) // size))
        return {"items": chunk, "pagination": {"total_count": len(items), "max_page": max_page}}

    def default(self, method: str, path: str, query: dict, body) -> tuple[int, dict]:
        if (method, path) == ("POST", "/v1/checkouts/"):
            return 201, {"id": "polar_c_test", "url": self.checkout_url, "status": "open"}
        if (method, path) == ("POST", "/v1/customer-sessions/"):
            return 201, {"id": "cs_1", "token": "polar_cst_x", "customer_portal_url": self.portal_url}
        if (method, path) == ("GET", "/v1/subscriptions/"):
            wanted = query.get("external_customer_id", [None])[0]
            items = [s for s in self.subscriptions if (s.get("customer") or {}).get("external_id") == wanted]
            return 200, self._paged(items, query)
        if (method, path) == ("GET", "/v1/products/"):
            return 200, self._paged(self.products, query)
        return 404, {"error": "ResourceNotFound", "detail": "Not found"}


def _handler_for(fake: FakePolar):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output clean
            pass

        def _handle(self):
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            query = parse_qs(split.query)
            fake.requests.append(
                {
                    "method": self.command,
                    "path": split.path,
                    "query": {key: values[0] for key, values in query.items()},
                    "headers": dict(self.headers),
                    "json": body,
                }
            )
            queue = fake.queued.get((self.command, split.path))
            if queue:
                canned = queue.pop(0)
                if canned["hang"]:
                    time.sleep(canned["hang"])
                status, answer, extra = canned["status"], canned["body"], canned["headers"]
            else:
                (status, answer), extra = fake.default(self.command, split.path, query, body), {}
            payload = json.dumps(answer if answer is not None else {}).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                pass

        do_GET = do_POST = do_PATCH = do_DELETE = _handle

    return Handler


@contextlib.contextmanager
def fake_polar_server(settings):
    """Polar's API at POLAR_API_URL, with a token set and short timeouts, for the `with` block."""
    fake = FakePolar()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.POLAR_API_URL = fake.url
    settings.POLAR_ACCESS_TOKEN = POLAR_TOKEN
    settings.POLAR_TIMEOUT = (1.0, 0.5)
    settings.POLAR_RETRY_BACKOFF = 0.01
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def polar_api(settings):
    with fake_polar_server(settings) as fake:
        yield fake


def polar_subscription(user, **changes) -> dict:
    """A subscription as Polar's list endpoint returns it (the webhook's `data` object)."""
    data = copy.deepcopy(load_fixture("subscription.active", user)["data"])
    data.update(changes)
    return data
