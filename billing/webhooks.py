"""Polar webhook signatures (Standard Webhooks) and the table from event type to the service handling it.

The view verifies a delivery here, then hands it to `services.webhook_event_receive` with the handler
`handler_for` picks; services never look the handler up themselves, so imports go one way.

Polar signs `id.timestamp.body` with HMAC-SHA256. Its legacy secrets sign with the UTF-8 bytes of the
whole secret string (what `Webhook(base64(secret))` verifies); `whsec_` secrets are base64 keys
(`Webhook(secret)`). A delivery is accepted when either key verifies it.
"""

import base64
import binascii
import contextlib
import functools
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError

from billing import services


class WebhookSignatureError(Exception):
    """Missing or bad signature headers, no matching signature, or a timestamp outside 5 minutes."""


class WebhookPayloadError(ValueError):
    """A correctly signed body that is not a Polar event."""


@functools.lru_cache(maxsize=4)
def _candidate_webhooks(secret: str) -> tuple[Webhook, ...]:
    candidates = [Webhook(base64.b64encode(secret.encode("utf-8")).decode("ascii"))]
    # Not every secret is a base64 key; when it is not, only the legacy scheme applies.
    with contextlib.suppress(Exception):
        candidates.append(Webhook(secret))
    return tuple(candidates)


def signing_webhook(secret: str) -> Webhook:
    """The key Polar signs with for this secret: base64 for `whsec_` secrets, else the UTF-8 bytes."""
    if secret.startswith("whsec_"):
        return Webhook(secret)
    return Webhook(base64.b64encode(secret.encode("utf-8")).decode("ascii"))


def verify(body: bytes, headers: Mapping[str, str], *, secret: str) -> Any:
    """The verified body, parsed: WebhookSignatureError when it is not Polar's, WebhookPayloadError when not JSON.

    Nothing is trusted before this returns.
    """
    wanted = {name: headers.get(name, "") for name in ("webhook-id", "webhook-timestamp", "webhook-signature")}
    if not all(wanted.values()):
        raise WebhookSignatureError("Missing webhook-id, webhook-timestamp or webhook-signature header.")
    if len(wanted["webhook-id"]) > 128:
        raise WebhookSignatureError("The webhook-id header is too long.")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise WebhookSignatureError("The body is not UTF-8.") from None
    errors = []
    for webhook in _candidate_webhooks(secret):
        try:
            webhook.verify(text, wanted, json_parse=False)
            break
        except WebhookVerificationError as exc:
            errors.append(str(exc))
        except (ValueError, binascii.Error):  # a malformed signature header, e.g. no "v1,"
            raise WebhookSignatureError("The webhook-signature header is malformed.") from None
    else:
        raise WebhookSignatureError(errors[0])
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise WebhookPayloadError("The signed body is not JSON.") from None


def sign(body: bytes | str, *, secret: str, msg_id: str, timestamp: datetime | None = None) -> dict[str, str]:
    """Standard Webhooks headers for `body`, signed as Polar signs with this secret (tests, polar_trigger)."""
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    timestamp = timestamp or datetime.now(tz=UTC)
    signature = signing_webhook(secret).sign(msg_id=msg_id, timestamp=timestamp, data=text)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
    }


# Event type -> the service that applies it. Types not listed are stored and answered 2xx ("ignored"),
# except unlisted `subscription.*` and `order.*` types, which Polar may add and which carry the same object.
EVENT_HANDLERS: dict[str, services.EventHandler] = {
    "subscription.created": services.subscription_upsert_from_polar,
    "subscription.updated": services.subscription_upsert_from_polar,
    "subscription.active": services.subscription_upsert_from_polar,
    "subscription.canceled": services.subscription_upsert_from_polar,
    "subscription.uncanceled": services.subscription_upsert_from_polar,
    "subscription.revoked": services.subscription_upsert_from_polar,
    "subscription.past_due": services.subscription_upsert_from_polar,
    "order.created": services.order_upsert_from_polar,
    "order.paid": services.order_upsert_from_polar,
    "order.updated": services.order_upsert_from_polar,
    "order.refunded": services.order_upsert_from_polar,
}


def handler_for(event_type: str) -> services.EventHandler | None:
    """The service that applies this type of event, or None: the event is stored and ignored."""
    handler = EVENT_HANDLERS.get(event_type)
    if handler is None and event_type.startswith("subscription."):
        handler = services.subscription_upsert_from_polar
    if handler is None and event_type.startswith("order."):
        handler = services.order_upsert_from_polar
    return handler
