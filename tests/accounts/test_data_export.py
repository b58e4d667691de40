import datetime
import json

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditEvent
from billing.models import Order, Subscription

pytestmark = pytest.mark.django_db

ACCOUNT_NUMBER = "000123456789"


def subscription_for(user, **extra) -> Subscription:
    now = timezone.now()
    defaults = dict(
        id=f"sub_{user.pk.hex[:8]}",
        user=user,
        created_at=now,
        amount=1200,
        currency="usd",
        recurring_interval="month",
        status="active",
        current_period_start=now,
        current_period_end=now + datetime.timedelta(days=30),
        customer_id="cus_1",
        product_id="prod_1",
    )
    return Subscription.objects.create(**{**defaults, **extra})


def order_for(user) -> Order:
    return Order.objects.create(
        id=f"ord_{user.pk.hex[:8]}",
        user=user,
        created_at=timezone.now(),
        status="paid",
        paid=True,
        total_amount=1200,
        currency="usd",
        customer_id="cus_1",
    )


def bank_account_for(user):
    from banking.services import bank_account_create

    return bank_account_create(
        user=user,
        account_number=ACCOUNT_NUMBER,
        routing_number="021000021",
        bank_name="First Test Bank",
        account_type="checking",
    )


def download(client) -> tuple[StreamingHttpResponse, dict]:
    response = client.post("/dashboard/settings/data/export")
    body = b"".join(response.streaming_content)
    return response, json.loads(body)


def test_export_is_a_streamed_json_attachment(owner_client):
    response, data = download(owner_client)

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="ledgerly-export-')
    assert response["Cache-Control"] == "no-store"
    assert data["format"] == "ledgerly-export"


def test_export_holds_the_profile_and_the_security_activity(owner_client, owner):
    AuditEvent.objects.create(user=owner, action="auth.signed_in", details={"provider": "email"})

    _, data = download(owner_client)

    assert data["profile"]["email"] == "owner@example.com"
    assert data["profile"]["name"] == "Olive Owner"
    assert data["email_addresses"] == [{"email": "owner@example.com", "primary": True, "verified": True}]
    assert [e["action"] for e in data["audit_events"]][:1] == ["auth.signed_in"]


def test_export_holds_billing_subscriptions_and_orders(owner_client, owner):
    subscription_for(owner)
    order_for(owner)

    _, data = download(owner_client)

    assert [s["id"] for s in data["subscriptions"]] == [f"sub_{owner.pk.hex[:8]}"]
    assert [o["id"] for o in data["orders"]] == [f"ord_{owner.pk.hex[:8]}"]


def test_export_holds_bank_accounts_without_the_full_number_and_their_transactions(owner_client, owner):
    bank_account_for(owner)

    response, data = download(owner_client)

    assert [a["last4"] for a in data["bank_accounts"]] == ["6789"]
    assert len(data["transactions"]) == 2  # the two verification micro-deposits
    assert "budgets" in data
    assert ACCOUNT_NUMBER not in json.dumps(data)


def test_export_holds_nothing_of_other_users(owner_client, outsider):
    subscription_for(outsider)
    bank_account_for(outsider)
    AuditEvent.objects.create(user=outsider, action="auth.signed_in")

    _, data = download(owner_client)

    assert "outsider@example.com" not in json.dumps(data)
    assert data["subscriptions"] == [] and data["bank_accounts"] == [] and data["transactions"] == []


def test_export_is_audited(owner_client, owner):
    download(owner_client)

    assert AuditEvent.objects.filter(user=owner, action="data.exported").exists()


def test_export_needs_a_post(owner_client):
    assert owner_client.get("/dashboard/settings/data/export").status_code == 405


def test_export_is_written_while_it_is_read_with_one_query_per_section(owner_client, owner):
    AuditEvent.objects.bulk_create([AuditEvent(user=owner, action="auth.signed_in") for _ in range(1200)])

    response = owner_client.post("/dashboard/settings/data/export")
    with CaptureQueriesContext(connection) as queries:
        chunks = list(response.streaming_content)

    data = json.loads(b"".join(chunks))
    sections = [name for name, rows in data.items() if isinstance(rows, list)]
    # One query per section (every app registers its own), and at most one more.
    assert len(queries) <= len(sections) + 1, [q["sql"][:80] for q in queries.captured_queries]
    events = data["audit_events"]
    assert len(events) == 1201  # plus the export's own event
    assert len(chunks) > 6  # 200 rows per write, not one big string
