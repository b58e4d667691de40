"""Django-side helpers for the benchmark, run in the bench environment: `python bench/tasks.py <task> ...`."""

import argparse
import json
import logging
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
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def csrf_token(args) -> str:
    """A CSRF token whose cookie and form values match, as a browser that loaded the sign-in page holds."""
    from django.middleware.csrf import _get_new_csrf_string

    return _get_new_csrf_string()


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


def email_enqueue(args) -> str:
    """`--count` sign-ups' worth of mail: each one's confirmation e-mail rendered and queued (one task each).

    The e-mails are rendered from allauth's sign-up templates, as the adapter does in the request. A fresh
    run deletes the previous run's e-mails and finished tasks first.
    """
    from allauth.account.adapter import get_adapter
    from allauth.core import context
    from django.test import RequestFactory

    from accounts import emails
    from accounts.models import OutboundEmail

    OutboundEmail.objects.filter(to__0__startswith="bench-signup-").delete()
    if "django_tasks_db" in settings.TASKS["default"]["BACKEND"]:
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.all().delete()
        _vacuum(DBTaskResult, OutboundEmail)
    request = RequestFactory().get("/sign-up", HTTP_HOST="127.0.0.1")
    adapter = get_adapter()
    with context.request_context(request):
        for n in range(args.count):
            address = f"bench-signup-{n}@example.com"
            ctx = {
                "request": request,
                "email": address,
                "user": None,
                "activate_url": f"{settings.APP_URL}/accounts/confirm-email/bench-key-{n}/",
                "key": f"bench-key-{n}",
                "current_site": None,
            }
            message = adapter.render_mail("account/email/email_confirmation_signup", address, ctx)
            emails.email_queue(message=message, kind="account/email/email_confirmation_signup")
    return str(args.count)


def email_check(args) -> str:
    """How the queued e-mails went: JSON with the count sent, the drain's span and per-e-mail latencies."""
    from django.db.models import Max, Min

    from accounts.models import OutboundEmail

    rows = OutboundEmail.objects.filter(to__0__startswith="bench-signup-")
    sent = rows.filter(state=OutboundEmail.State.SENT)
    span = sent.aggregate(first=Min("claimed_at"), last=Max("sent_at"))
    # From when the e-mail was stored (the sign-up) to when it left: what a user waits for.
    waits = sorted(
        (row_sent - created).total_seconds() * 1000 for created, row_sent in sent.values_list("created_at", "sent_at")
    )

    def percentile(p: float) -> float:
        return round(waits[min(len(waits) - 1, int(len(waits) * p))], 2) if waits else 0.0

    seconds = (span["last"] - span["first"]).total_seconds() if span["first"] else 0.0
    return json.dumps(
        {
            "count": rows.count(),
            "sent": len(waits),
            "seconds": round(seconds, 3),
            "p50_ms": percentile(0.5),
            "p95_ms": percentile(0.95),
            "p99_ms": percentile(0.99),
        }
    )


IMPORT_EMAIL = "bench-import@example.com"


def _import_account():
    import random as _random

    from accounts.services import user_create
    from banking import demo

    User = get_user_model()
    user = User.objects.filter(email=IMPORT_EMAIL).first() or user_create(
        email=IMPORT_EMAIL, password=None, name="Bench Import", verified=True
    )
    return user, demo.ensure_accounts(user=user, rng=_random.Random(3))["checking"]


def import_prepare(args) -> str:
    """The import bench: an account with `--existing` stored rows, a CSV of `--count` rows over the same year
    (one in ten a copy of a stored row), uploaded; prints the import's id. The previous run is undone first."""
    import csv as _csv
    import datetime
    import tempfile

    from django.core.files import File
    from django.utils import timezone

    from banking import demo, services
    from banking.models import Import, Transaction

    user, account = _import_account()
    # An earlier run stopped half-way counts as completed, so that it can be undone like the others.
    Import.objects.filter(user=user, status=Import.Status.IMPORTING).update(
        status=Import.Status.COMPLETED, completed_at=timezone.now()
    )
    for old in Import.objects.filter(user=user, status=Import.Status.COMPLETED):
        services.import_undo(user=user, imp=old, force=True)
    rng = random.Random(11)
    today = timezone.localdate()
    start = today - datetime.timedelta(days=365)
    existing = Transaction.objects.filter(bank_account=account).count()
    maker = demo.DemoMaker(user=user, accounts={"checking": account}, rng=rng, today=today)

    def stored(n):
        for i in range(n):
            day = start + datetime.timedelta(days=rng.randrange(365))
            yield maker.row(key="checking", day=day, amount=rng.randrange(100, 20000), kind="debit",
                            category="other", description=f"Shop {i % 700}")  # fmt: skip

    if existing < args.existing:
        demo.write_in_batches(stored(args.existing - existing), batch_size=5000)
        services.bank_account_balances_recompute(user=user)
        demo.refresh_planner_statistics()
    copies = list(Transaction.objects.filter(bank_account=account).values_list(
        "transaction_date", "signed_amount", "description")[: args.count // 10])  # fmt: skip
    with tempfile.NamedTemporaryFile("w", suffix=".csv", newline="", delete=False) as handle:
        writer = _csv.writer(handle)
        writer.writerow(["Date", "Description", "Amount"])
        for n in range(args.count):
            if n % 10 == 0 and copies:
                day, signed, description = copies[(n // 10) % len(copies)]
            else:
                day = start + datetime.timedelta(days=rng.randrange(365))
                signed, description = -rng.randrange(100, 20000), f"Bench purchase {n}"
            writer.writerow([day.isoformat(), description, f"{signed / 100:.2f}"])
        path = handle.name
    mapping = {"date": "Date", "description": "Description", "amount": "Amount", "date_format": "%Y-%m-%d"}
    with open(path, "rb") as upload:
        bench_file = File(upload, name="bench.csv")
        imp = services.import_create(
            user=user, bank_account=account, upload=bench_file, filename="bench.csv", mapping=mapping
        )
    os.unlink(path)
    return str(imp.pk)


def import_commit(args) -> str:
    from banking import services
    from banking.models import Import

    imp = Import.objects.get(pk=args.out)
    services.import_commit(user=imp.user, imp=imp)
    return imp.status


def import_check(args) -> str:
    from banking.models import Import

    imp = Import.objects.get(pk=args.out)
    return json.dumps(
        {
            "status": imp.status,
            "rows": imp.rows_total,
            "new": imp.rows_new,
            "duplicate": imp.rows_duplicate,
            "invalid": imp.rows_invalid,
            "written": imp.transactions.count(),
        }  # fmt: skip
    )


def insights_ready(args) -> str:
    """The bench user on a (demo) subscription, so the insights page shows its numbers; prints the page's
    queries when the cache is cold (the same whatever the data size)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from billing.demo import demo_subscription_ensure
    from billing.selectors import user_is_subscribed

    user = get_user_model().objects.get(email=args.email)
    if not user_is_subscribed(user=user):
        demo_subscription_ensure(user=user)
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    cache.clear()
    logging.disable(logging.INFO)  # stdout is the answer: no access log line in it
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/dashboard/insights/")
    if response.status_code != 200 or b"Spending by category" not in response.content:
        raise SystemExit(f"The insights page answered {response.status_code} without the insights")
    return json.dumps({"subscribed": user_is_subscribed(user=user), "queries": len(queries)})


TASKS = {
    "email-enqueue": email_enqueue,
    "email-check": email_check,
    "session": session,
    "csrf-token": csrf_token,
    "seed": seed,
    "deep-cursor": deep_cursor,
    "webhook-events": webhook_events,
    "webhook-check": webhook_check,
    "import-prepare": import_prepare,
    "import-commit": import_commit,
    "import-check": import_check,
    "insights-ready": insights_ready,
}

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("task", choices=sorted(TASKS))
    parser.add_argument("--email", default="bench@example.com")
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--out", default="")
    parser.add_argument("--existing", type=int, default=100_000)
    args = parser.parse_args()
    print(TASKS[args.task](args))
