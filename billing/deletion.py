"""Account deletion's part in billing: what Polar told us about the person, wherever no foreign key reaches it.

The user's subscriptions and orders, and the deliveries linked to them (`WebhookEvent.user`), cascade with the
user row. What is left names the person by Polar's identifiers only: deliveries never linked to a user
(`customer.*` and `checkout.*` events, an order sent without its customer object) and subscriptions or orders
stored unlinked. They are found by those identifiers: the user's id (Polar's external customer id), their
e-mail addresses, and the ids of their customer, subscriptions, orders and checkouts. Each delivery found may
name more of their objects (a checkout found by e-mail names its customer), so the search widens by those
until nothing new turns up; a delivery that names another of our users as its customer is left alone. Polar's
ids are UUIDs, unique across kinds of object, so one set holds them all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from allauth.account.models import EmailAddress
from django.db.models import Q

from accounts.models import AuditEvent, User
from billing.models import Order, Subscription, WebhookEvent

# Keys of a delivery's `data` that hold the id of one of Polar's objects (the customer, a subscription, an order,
# a checkout), and those that hold our user's id; `data.customer` has `id` and `external_id`.
OBJECT_ID_KEYS = ("id", "customer_id", "subscription_id", "order_id", "checkout_id")
EXTERNAL_ID_KEYS = ("external_id", "external_customer_id", "customer_external_id")
ID_KEYS = OBJECT_ID_KEYS + EXTERNAL_ID_KEYS
CUSTOMER_ID_KEYS = ("id", "external_id")
EMAIL_KEYS = ("email", "customer_email")
# A search that keeps finding new ids stops after this many rounds (each round is one query).
MAX_ROUNDS = 8


def billing_data_delete(*, user: User) -> None:
    """Delete the deliveries, subscriptions and orders that name `user` without a foreign key to them
    (a deletion hook: runs in the deletion's transaction, before the user row goes)."""
    ids, emails = _seeds(user)
    found: set[int] = set()
    for _ in range(MAX_ROUNDS):
        rows = _unlinked_naming(ids, emails).exclude(pk__in=found).values_list("pk", "payload", "raw_body")
        matches = {pk: _parsed(payload, raw_body) for pk, payload, raw_body in rows.iterator()}
        # A delivery that names another user as the customer is theirs, whatever else it shares with this one.
        theirs = {pk: payload for pk, payload in matches.items() if _external_ids(payload) <= {str(user.pk)}}
        found.update(theirs)
        new_ids = _object_ids(theirs.values()) - ids
        if not new_ids:
            break
        ids |= new_ids
    WebhookEvent.objects.filter(pk__in=found).delete()
    objects = Q(pk__in=ids) | Q(customer_id__in=ids) | Q(checkout_id__in=ids)
    Subscription.objects.filter(objects, user__isnull=True).delete()
    Order.objects.filter(objects | Q(subscription_id__in=ids), user__isnull=True).delete()


def _seeds(user: User) -> tuple[set[str], set[str]]:
    """The identifiers we hold for the user: their id and addresses, their objects' ids, and what their linked
    deliveries and checkouts name."""
    ids = {str(user.pk)}
    row: tuple[str, ...]
    for row in Subscription.objects.filter(user=user).values_list("id", "customer_id", "checkout_id"):
        ids.update(row)
    for row in Order.objects.filter(user=user).values_list("id", "customer_id", "subscription_id", "checkout_id"):
        ids.update(row)
    checkouts = AuditEvent.objects.filter(user=user, action="billing.checkout_started").values_list(
        "details", flat=True
    )
    ids.update(str(details.get("checkout_id") or "") for details in checkouts if isinstance(details, dict))
    emails = {
        user.email.lower(),
        *(a.lower() for a in EmailAddress.objects.filter(user=user).values_list("email", flat=True)),
    }
    linked = WebhookEvent.objects.filter(user=user).values_list("payload", "raw_body")
    ids |= _object_ids(_parsed(payload, raw_body) for payload, raw_body in linked.iterator())
    ids.discard("")
    return ids, emails


def _unlinked_naming(ids: set[str], emails: set[str]):
    """Deliveries linked to nobody whose `data` (or kept raw body) names one of `ids` or `emails`."""
    names = Q()
    id_list = sorted(ids)
    for key in ID_KEYS:
        names |= Q(**{f"payload__data__{key}__in": id_list})
    for key in CUSTOMER_ID_KEYS:
        names |= Q(**{f"payload__data__customer__{key}__in": id_list})
    for email in emails:
        for key in EMAIL_KEYS:
            names |= Q(**{f"payload__data__{key}__iexact": email})
        names |= Q(payload__data__customer__email__iexact=email)
    kept_as_text = Q()
    for needle in (*id_list, *emails):
        kept_as_text |= Q(raw_body__icontains=needle)
    return WebhookEvent.objects.filter(user__isnull=True).filter(names | (Q(payload__isnull=True) & kept_as_text))


def _parsed(payload: Any, raw_body: str) -> Any:
    if payload is None and raw_body:
        try:
            return json.loads(raw_body)
        except ValueError:
            return None
    return payload


def _data(payload: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A delivery's `data` and `data.customer`, each `{}` when absent."""
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, dict):
        return {}, {}
    customer = data.get("customer")
    return data, customer if isinstance(customer, dict) else {}


def _strings(source: dict[str, Any], keys: Iterable[str]) -> set[str]:
    return {value for key in keys if isinstance(value := source.get(key), str) and value}


def _external_ids(payload: Any) -> set[str]:
    """The user ids (Polar's external customer ids) a delivery names."""
    data, customer = _data(payload)
    return _strings(data, EXTERNAL_ID_KEYS) | _strings(customer, ("external_id",))


def _object_ids(payloads: Iterable[Any]) -> set[str]:
    """The ids of Polar's objects (customer, subscription, order, checkout) the deliveries name."""
    ids: set[str] = set()
    for payload in payloads:
        data, customer = _data(payload)
        ids |= _strings(data, OBJECT_ID_KEYS) | _strings(customer, ("id",))
    return ids
