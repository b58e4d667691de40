"""Billing's JSON API: the user's subscription, and Polar's webhook endpoint."""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from ninja import Router, Schema

from accounts.http import AuthenticatedHttpRequest
from billing import selectors, services, webhooks
from saas.api import ApiError, error_response, json_response
from saas.http import RequestWithId
from saas.schemas import errors

logger = logging.getLogger(__name__)

router = Router(tags=["billing"])


class SubscriptionOut(Schema):
    id: str
    product_id: str
    status: str
    amount: int
    currency: str
    recurring_interval: str
    current_period_start: datetime.datetime
    current_period_end: datetime.datetime | None
    cancel_at_period_end: bool
    canceled_at: datetime.datetime | None


class SubscriptionDetailsOut(Schema):
    has_subscription: bool
    subscription: SubscriptionOut | None
    error_type: str | None


@router.get("/subscription", response={200: SubscriptionDetailsOut, **errors()})
def subscription(request: AuthenticatedHttpRequest):
    """The active subscription, else the newest one with why it is not active (`CANCELED`, `EXPIRED`, `GENERAL`)."""
    return selectors.subscription_details(user=request.user)


@router.post("/payments/webhooks", auth=None, response={200: dict, 403: dict, 500: dict, 503: dict})
def polar_webhook(request: RequestWithId) -> HttpResponse:
    """Polar's webhook (Standard Webhooks signatures): verified, stored, then applied once, in order.

    A missing or bad signature or a stale timestamp is a 403 and nothing is stored; a delivery seen before is
    answered 2xx and not applied again; an error while applying is a 500, kept for `replay_webhooks`.
    """
    secret = settings.POLAR_WEBHOOK_SECRET
    if not secret:
        return error_response(request, ApiError("unavailable", "Webhooks are not configured on this site."))
    try:
        body = request.body
    except RequestDataTooBig:
        return error_response(request, ApiError("too_large", "The webhook body is too large."))
    try:
        payload = webhooks.verify(body, request.headers, secret=secret)
    except webhooks.WebhookSignatureError as exc:
        logger.warning("Rejected a Polar webhook: %s", exc, extra={"reason": str(exc)})
        return error_response(request, ApiError("forbidden", "The webhook signature is missing, wrong or too old."))
    except webhooks.WebhookPayloadError:
        payload = None
    if not isinstance(payload, dict) or not isinstance(payload.get("type"), str) or not payload["type"]:
        return error_response(request, ApiError("bad_request", "The body is not a Polar event: no `type`."))
    webhook_id = request.headers["webhook-id"]
    try:
        outcome = services.webhook_event_receive(
            webhook_id=webhook_id,
            payload=payload,
            handler=webhooks.handler_for(payload["type"]),
            body=body.decode("utf-8"),  # verified as UTF-8
        )
    except Exception:
        return error_response(
            request,
            ApiError(
                "internal_error", f"The event could not be applied; it is kept for replay. Request id: {request.id}."
            ),
        )
    return json_response({"status": outcome, "webhook_id": webhook_id})
