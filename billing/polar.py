"""The one HTTP client for Polar's API (https://docs.polar.sh/api-reference).

Everything that talks to Polar goes through `PolarClient`: one `requests.Session` with the bearer token,
connect and read timeouts, retries with exponential backoff (idempotent calls on network errors and
5xx; any call on 429, which Polar answers before doing anything), and one error type, `PolarError`,
carrying the HTTP status and Polar's own message. The token is never logged nor shown in a repr.
"""

import logging
import random
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_SECONDS = 10.0
PAGE_LIMIT = 100


class PolarError(Exception):
    """Polar refused a call or could not be reached. `status` is None when no answer came back."""

    def __init__(self, message: str, *, status: int | None = None, polar_message: str = ""):
        super().__init__(message)
        self.message = message
        self.status = status
        self.polar_message = polar_message


class PolarNotConfigured(PolarError):
    """POLAR_ACCESS_TOKEN is not set: checkout, portal and sync are switched off."""

    def __init__(self):
        super().__init__("Billing is not configured: set POLAR_ACCESS_TOKEN.")


def polar_message(response: requests.Response) -> str:
    """Polar's explanation from an error answer: `detail` (a string, or FastAPI's list of field errors)."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300]
    if not isinstance(body, dict):
        return str(body)[:300]
    detail = body.get("detail")
    if isinstance(detail, list):
        parts = []
        for item in detail:
            if isinstance(item, dict):
                location = ".".join(str(part) for part in item.get("loc", []) if part != "body")
                parts.append(f"{location}: {item.get('msg', '')}" if location else str(item.get("msg", "")))
            else:
                parts.append(str(item))
        return "; ".join(parts)[:300]
    if detail:
        return str(detail)[:300]
    return str(body.get("error") or body.get("message") or "")[:300]


def _nothing_sent(error: requests.RequestException) -> bool:
    """True when the request never reached Polar (refused or timed out connecting): safe to send again."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


class PolarClient:
    """A Polar API client bound to one base URL and access token."""

    def __init__(
        self,
        *,
        token: str,
        base_url: str,
        timeout: tuple[float, float] = (3.05, 10.0),
        retries: int = 2,
        backoff: float = 0.5,
    ):
        if not token:
            raise PolarNotConfigured()
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.session = requests.Session()
        self.session.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "User-Agent": "ledgerly-billing/1 (+python-requests)",
            }
        )

    def __repr__(self) -> str:
        return f"<PolarClient {self.base_url}>"

    # --- transport ---------------------------------------------------------------------------------

    def _sleep_before_retry(self, attempt: int, response: requests.Response | None) -> None:
        delay = self.backoff * (2**attempt) * (1 + random.random() / 2)
        if response is not None and response.headers.get("Retry-After", "").isdigit():
            delay = max(delay, float(response.headers["Retry-After"]))
        time.sleep(min(delay, MAX_RETRY_AFTER_SECONDS))

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        idempotent: bool | None = None,
    ) -> dict[str, Any]:
        """One call, retried where that is safe; the decoded JSON object, or PolarError."""
        if idempotent is None:
            idempotent = method.upper() in {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}
        url = f"{self.base_url}{path}"
        attempt = 0
        while True:
            started = time.perf_counter()
            response: requests.Response | None = None
            error: requests.RequestException | None = None
            try:
                response = self.session.request(method, url, params=params, json=json, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                error = exc
            self._log(method, path, response, started, attempt, error=error)
            if response is None:  # the request raised `error`
                retryable = error is not None and (idempotent or _nothing_sent(error))
            else:
                retryable = response.status_code in RETRY_STATUSES and (idempotent or response.status_code == 429)
            if retryable and attempt < self.retries:
                self._sleep_before_retry(attempt, response)
                attempt += 1
                continue
            if response is None:
                kind = "did not answer in time" if isinstance(error, requests.Timeout) else "could not be reached"
                raise PolarError(f"Polar {kind} ({type(error).__name__}).") from None
            return self._decode(response)

    def _decode(self, response: requests.Response) -> dict[str, Any]:
        if response.status_code >= 400:
            message = polar_message(response)
            raise PolarError(
                f"Polar answered {response.status_code}: {message or response.reason}",
                status=response.status_code,
                polar_message=message,
            )
        if response.status_code == 204 or not response.content:
            return {}
        try:
            body = response.json()
        except ValueError:
            raise PolarError("Polar answered with something that is not JSON.", status=response.status_code) from None
        if not isinstance(body, dict):
            raise PolarError("Polar answered with unexpected JSON.", status=response.status_code)
        return body

    def _log(self, method: str, path: str, response, started: float, attempt: int, *, error=None) -> None:
        status = response.status_code if response is not None else None
        level = logging.INFO if status is not None and status < 400 else logging.WARNING
        logger.log(
            level,
            "Polar %s %s -> %s",
            method,
            path,
            status if status is not None else type(error).__name__,
            extra={
                "polar_method": method,
                "polar_path": path,
                "polar_status": status,
                "polar_attempt": attempt + 1,
                "polar_request_id": response.headers.get("x-request-id") if response is not None else None,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )

    def _paged(self, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every item of a paged list (`items`, `pagination.max_page`)."""
        page = 1
        while True:
            body = self.request("GET", path, params={**params, "page": page, "limit": PAGE_LIMIT})
            items = body.get("items")
            if not isinstance(items, list):
                raise PolarError(f"Polar's answer to GET {path} has no `items` list.")
            yield from (item for item in items if isinstance(item, dict))
            max_page = (body.get("pagination") or {}).get("max_page") or page
            if page >= max_page or not items:
                return
            page += 1

    # --- calls -------------------------------------------------------------------------------------

    def checkout_create(
        self, *, product_id: str, external_customer_id: str, customer_email: str, customer_name: str, success_url: str
    ) -> dict[str, Any]:
        """POST /v1/checkouts/: a checkout session; its `url` is where the customer pays."""
        payload = {
            "products": [product_id],
            "external_customer_id": external_customer_id,
            "customer_email": customer_email,
            "success_url": success_url,
        }
        if customer_name:
            payload["customer_name"] = customer_name
        body = self.request("POST", "/v1/checkouts/", json=payload)
        if not str(body.get("url", "")).startswith(("https://", "http://")):
            raise PolarError("Polar's checkout has no URL to send the customer to.")
        return body

    def customer_session_create(self, *, external_customer_id: str, return_url: str | None = None) -> dict[str, Any]:
        """POST /v1/customer-sessions/: a short-lived customer portal session (`customer_portal_url`)."""
        payload: dict[str, Any] = {"external_customer_id": external_customer_id}
        if return_url:
            payload["return_url"] = return_url
        body = self.request("POST", "/v1/customer-sessions/", json=payload)
        if not str(body.get("customer_portal_url", "")).startswith(("https://", "http://")):
            raise PolarError("Polar's customer session has no portal URL.")
        return body

    def subscriptions_list(self, *, external_customer_id: str) -> Iterator[dict[str, Any]]:
        """GET /v1/subscriptions/ for one customer, every page."""
        return self._paged("/v1/subscriptions/", {"external_customer_id": external_customer_id})

    def subscriptions_list_all(self, *, active: bool | None = None) -> Iterator[dict[str, Any]]:
        """GET /v1/subscriptions/ for the whole organization (only active, or inactive, ones when asked)."""
        params: dict[str, Any] = {}
        if active is not None:
            params["active"] = "true" if active else "false"
        return self._paged("/v1/subscriptions/", params)

    def subscription_get(self, *, subscription_id: str) -> dict[str, Any]:
        """GET /v1/subscriptions/{id}: one subscription as Polar has it now."""
        return self.request("GET", f"/v1/subscriptions/{quote(subscription_id, safe='')}")

    def products_list(self, *, include_archived: bool = True) -> Iterator[dict[str, Any]]:
        """GET /v1/products/, every page."""
        params: dict[str, Any] = {}
        if not include_archived:
            params["is_archived"] = "false"
        return self._paged("/v1/products/", params)


def is_configured() -> bool:
    return bool(settings.POLAR_ACCESS_TOKEN)


def get_client() -> PolarClient:
    """The client for the configured Polar server; PolarNotConfigured when there is no token."""
    return PolarClient(
        token=settings.POLAR_ACCESS_TOKEN,
        base_url=settings.POLAR_API_URL,
        timeout=settings.POLAR_TIMEOUT,
        retries=settings.POLAR_RETRIES,
        backoff=settings.POLAR_RETRY_BACKOFF,
    )
