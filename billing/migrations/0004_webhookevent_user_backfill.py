# Link the deliveries stored before `WebhookEvent.user` existed to the user they name, a batch at a time.

import uuid

from django.conf import settings
from django.db import migrations, transaction

BATCH_SIZE = 1000


def _named_user(payload) -> tuple[uuid.UUID | None, str]:
    """(`data.customer.external_id` as a user id, `data.subscription_id` of an order) from a stored payload."""
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, dict):
        return None, ""
    customer = data.get("customer")
    try:
        user_id = uuid.UUID(str(customer.get("external_id"))) if isinstance(customer, dict) else None
    except ValueError:
        user_id = None
    subscription_id = data.get("subscription_id")
    return user_id, subscription_id if isinstance(subscription_id, str) else ""


def backfill_users(apps, *, using: str, batch_size: int = BATCH_SIZE) -> int:
    """The external id when it is one of our users; for an order, else its subscription's user. How many linked.

    Walks the table by primary key, one short transaction per batch, so the table is never locked for long.
    """
    WebhookEvent = apps.get_model("billing", "WebhookEvent")
    Subscription = apps.get_model("billing", "Subscription")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    events = WebhookEvent.objects.using(using)
    linked, last_pk = 0, 0
    while True:
        batch = list(
            events.filter(pk__gt=last_pk, user__isnull=True)
            .order_by("pk")
            .values_list("pk", "type", "payload")[:batch_size]
        )
        if not batch:
            return linked
        last_pk = batch[-1][0]
        named = {pk: (event_type, *_named_user(payload)) for pk, event_type, payload in batch}
        user_ids = {user_id for _, user_id, _ in named.values() if user_id is not None}
        known = set(User.objects.using(using).filter(pk__in=user_ids).values_list("pk", flat=True))
        subscription_ids = {
            subscription_id
            for event_type, user_id, subscription_id in named.values()
            if event_type.startswith("order.") and subscription_id and user_id not in known
        }
        subscription_users = dict(
            Subscription.objects.using(using)
            .filter(pk__in=subscription_ids, user__isnull=False)
            .values_list("pk", "user_id")
        )
        by_user: dict[uuid.UUID, list[int]] = {}
        for pk, (event_type, user_id, subscription_id) in named.items():
            owner = user_id if user_id in known else None
            if owner is None and event_type.startswith("order."):
                owner = subscription_users.get(subscription_id)
            if owner is not None:
                by_user.setdefault(owner, []).append(pk)
        with transaction.atomic(using=using):
            for owner, pks in by_user.items():
                linked += events.filter(pk__in=pks, user__isnull=True).update(user_id=owner)


def forwards(apps, schema_editor):
    backfill_users(apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    # One transaction per batch rather than one for the whole table.
    atomic = False

    dependencies = [
        ("billing", "0003_webhookevent_user"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
