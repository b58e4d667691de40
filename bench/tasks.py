"""Django-side helpers for the benchmark, run in the bench environment: `python bench/tasks.py <task> ...`."""

import argparse
import json
import os
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saas.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402


def session(args) -> str:
    """A signed-in session for the user, as the sign-in view would create it; prints the cookie value."""
    from importlib import import_module

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    user = get_user_model().objects.get(email=args.email)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def seed(args) -> str:
    """The bench user with `--count` transactions (seed_demo tops up; a second run is quick)."""
    from django.core.management import call_command

    call_command("seed_demo", email=args.email, transactions=args.count, verbosity=0)
    return args.email


def deep_cursor(args) -> str:
    """The cursor of transactions page `--count` (50 rows a page) for the bench user."""
    from bench.cursors import transaction_cursor_at

    user = get_user_model().objects.get(email=args.email)
    return transaction_cursor_at(user=user, position=args.count * 50) or ""


def _webhook_users(count: int):
    from accounts.services import user_create

    User = get_user_model()
    users = []
    for n in range(count):
        email = f"bench-webhook-{n}@example.com"
        user = User.objects.filter(email=email).first() or user_create(
            email=email, password=None, name=f"Bench {n}", verified=True
        )
        users.append(user)
    return users


def _vacuum(*models) -> None:
    """Every run starts from the same tables: without this, the rows an earlier run deleted stay behind as
    dead tuples until autovacuum comes by, and each run is slower than the one before."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def webhook_events(args) -> str:
    """Signed Polar deliveries for `count` subscriptions: each one's lifecycle, shuffled, with duplicates.

    Per subscription: created, active, order.created, order.paid, updated, canceled (cancel at period end),
    each a minute apart. The burst sends them out of order and repeats a quarter of them.
    Writes the requests to `--out`; the final state every subscription must reach is active and set to
    cancel at period end, with its order paid.
    """
    from billing.models import Order, Subscription, WebhookEvent
    from billing.testing import build_event, sign_event

    users = _webhook_users(args.count)
    # A fresh run: forget what an earlier run delivered.
    Subscription.objects.filter(user__in=users).delete()
    Order.objects.filter(user__in=users).delete()
    WebhookEvent.objects.filter(payload__data__customer__email__startswith="bench-webhook-").delete()
    _vacuum(Subscription, Order, WebhookEvent)
    rng = random.Random(7)
    base = datetime.now(tz=UTC) - timedelta(hours=1)
    deliveries = []
    for n, user in enumerate(users):
        subscription_id = f"bench-sub-{n:05d}"
        order_id = f"bench-order-{n:05d}"
        sequence = ["subscription.created", "subscription.active", "order.created", "order.paid"]
        sequence += ["subscription.updated", "subscription.canceled"]
        for step, event_type in enumerate(sequence):
            event = build_event(
                event_type,
                user,
                subscription_id=subscription_id,
                order_id=order_id,
                at=base + timedelta(minutes=step),
                started_at=base - timedelta(seconds=30),
            )
            body, headers = sign_event(event, secret=settings.POLAR_WEBHOOK_SECRET, webhook_id=f"msg-{n:05d}-{step}")
            deliveries.append(
                {"method": "POST", "path": "/api/payments/webhooks", "headers": headers, "body": body.decode()}
            )
    deliveries += rng.sample(deliveries, len(deliveries) // 4)
    rng.shuffle(deliveries)
    Path(args.out).write_text(json.dumps(deliveries))
    return str(len(deliveries))


def webhook_check(args) -> str:
    """Every bench subscription reached its newest state, once."""
    from billing.models import Order, Subscription, WebhookEvent

    users = _webhook_users(args.count)
    subscriptions = Subscription.objects.filter(user__in=users)
    right = subscriptions.filter(status="active", cancel_at_period_end=True).count()
    paid = Order.objects.filter(user__in=users, paid=True).count()
    failed = WebhookEvent.objects.filter(state=WebhookEvent.State.FAILED).count()
    ok = right == args.count and paid == args.count and failed == 0
    verdict = "ok" if ok else "FAILED"
    return f"{verdict}: {right}/{args.count} subscriptions in the newest state, {paid} orders paid, {failed} failed"


TASKS = {
    "session": session,
    "seed": seed,
    "deep-cursor": deep_cursor,
    "webhook-events": webhook_events,
    "webhook-check": webhook_check,
}

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("task", choices=sorted(TASKS))
    parser.add_argument("--email", default="bench@example.com")
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    print(TASKS[args.task](args))
