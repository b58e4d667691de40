"""saas.db: the hand-built lock-by-key SELECT and insert-if-absent match what the ORM would do."""

from datetime import UTC, datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from billing.models import Plan, Subscription, WebhookEvent
from saas.db import insert_if_absent, locked_by_pk

pytestmark = pytest.mark.django_db


def _subscription(owner, **changes) -> Subscription:
    fields = {
        "id": "sub_helpers",
        "user": owner,
        "created_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "modified_at": datetime(2026, 1, 3, 3, 4, 5, tzinfo=UTC),
        "amount": 900,
        "currency": "USD",
        "recurring_interval": "month",
        "status": Subscription.Status.ACTIVE,
        "current_period_start": datetime(2026, 1, 2, tzinfo=UTC),
        "customer_id": "cus_1",
        "product_id": "prod_1",
        "metadata": {"source": "test", "nested": {"n": 1}},
    }
    return Subscription(**{**fields, **changes})


def test_locked_by_pk_returns_what_the_orm_loads(owner):
    _subscription(owner).save()
    with transaction.atomic():
        locked = locked_by_pk(Subscription, "sub_helpers")
    loaded = Subscription.objects.get(pk="sub_helpers")
    for field in Subscription._meta.concrete_fields:
        assert getattr(locked, field.attname) == getattr(loaded, field.attname), field.name
    assert locked.metadata == {"source": "test", "nested": {"n": 1}}
    assert locked.created_at.tzinfo is not None
    assert locked._state.adding is False
    assert locked.user == owner


def test_locked_by_pk_is_none_for_a_missing_row_and_takes_one_query(owner):
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        assert locked_by_pk(Subscription, "sub_missing") is None
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert len(selects) == 1
    assert selects[0].endswith("FOR UPDATE") == connection.features.has_select_for_update


def test_insert_if_absent_inserts_once_and_never_overwrites(owner):
    assert insert_if_absent(_subscription(owner)) is True
    assert insert_if_absent(_subscription(owner, status=Subscription.Status.CANCELED)) is False
    assert Subscription.objects.get().status == Subscription.Status.ACTIVE


def test_insert_if_absent_on_another_unique_field_leaves_an_auto_id_unsaved():
    event = WebhookEvent(webhook_id="msg_1", type="subscription.created", payload={"type": "subscription.created"})
    assert insert_if_absent(event, conflict_field="webhook_id") is True
    assert event.pk is None and event._state.adding is True
    assert (
        insert_if_absent(WebhookEvent(webhook_id="msg_1", type="other", payload={}), conflict_field="webhook_id")
        is False
    )
    stored = WebhookEvent.objects.get()
    assert (stored.type, stored.payload) == ("subscription.created", {"type": "subscription.created"})


def test_insert_if_absent_runs_field_pre_save():
    # Plan.updated_at is `auto_now`: only pre_save fills it, and the column is NOT NULL.
    plan = Plan(slug="helpers", name="Helpers", polar_product_id="prod_helpers", price_amount=100)
    assert plan.updated_at is None
    assert insert_if_absent(plan) is True
    assert Plan.objects.get(slug="helpers").updated_at is not None
