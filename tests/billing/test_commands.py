"""Management commands: polar_trigger, replay_webhooks, sync_subscriptions, sync_polar_products."""

import io

import pytest
from django.core.management import CommandError, call_command

from billing import webhooks
from billing.models import Plan, Subscription, WebhookEvent
from billing.testing import build_event
from tests.billing.conftest import LEGACY_SECRET, load_fixture, polar_subscription, subscription_event


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


# --- build_event (shared with polar_trigger and bench/) -------------------------------------------


@pytest.mark.parametrize(
    ("event_type", "fixture"), [("subscription.active", "subscription.active"), ("order.paid", "order.paid")]
)
def test_built_events_have_the_shape_of_polars_samples(owner, event_type, fixture):
    sample = load_fixture(fixture, owner)
    built = build_event(event_type, owner)

    assert set(built) == set(sample)
    assert set(built["data"]) == set(sample["data"])
    assert set(built["data"]["customer"]) >= {"id", "external_id", "email", "name"}
    assert built["data"]["customer"]["external_id"] == str(owner.pk)


@pytest.mark.django_db
def test_built_events_are_accepted_by_the_webhook(client, owner, settings):
    from billing.testing import sign_event

    settings.POLAR_WEBHOOK_SECRET = LEGACY_SECRET
    body, headers = sign_event(
        build_event("subscription.active", owner, subscription_id="sub-built"), secret=LEGACY_SECRET
    )

    response = client.post("/api/payments/webhooks", data=body, content_type="application/json", headers=headers)

    assert response.status_code == 200
    assert Subscription.objects.get(pk="sub-built").user == owner


# --- polar_trigger --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_polar_trigger_subscribes_the_user_through_the_real_endpoint(live_server, owner, settings):
    settings.POLAR_WEBHOOK_SECRET = LEGACY_SECRET
    Plan.objects.create(slug="pro", name="Pro", polar_product_id="pro-product", price_amount=900)
    url = f"{live_server.url}/api/payments/webhooks"

    output = run("polar_trigger", "subscription.active", "--email", owner.email, "--url", url)

    assert "-> 200" in output
    subscription = Subscription.objects.get(user=owner)
    assert (subscription.status, subscription.product_id, subscription.amount) == ("active", "pro-product", 900)


@pytest.mark.django_db(transaction=True)
def test_polar_trigger_then_cancel_acts_on_the_same_subscription(live_server, owner, settings):
    settings.POLAR_WEBHOOK_SECRET = LEGACY_SECRET
    url = f"{live_server.url}/api/payments/webhooks"
    run("polar_trigger", "subscription.active", "--email", owner.email, "--url", url)

    run("polar_trigger", "subscription.canceled", "--email", owner.email, "--url", url)
    run("polar_trigger", "subscription.revoked", "--email", owner.email, "--url", url)

    subscription = Subscription.objects.get(user=owner)
    assert (subscription.status, subscription.cancel_at_period_end) == ("canceled", False)
    assert WebhookEvent.objects.filter(state="processed").count() == 3


@pytest.mark.django_db
def test_polar_trigger_without_secret_explains_what_to_set(owner, settings):
    settings.POLAR_WEBHOOK_SECRET = ""

    with pytest.raises(CommandError, match="POLAR_WEBHOOK_SECRET is not set"):
        run("polar_trigger", "subscription.active", "--email", owner.email)


@pytest.mark.django_db
def test_polar_trigger_for_an_unknown_user_fails(settings, db):
    settings.POLAR_WEBHOOK_SECRET = LEGACY_SECRET

    with pytest.raises(CommandError, match="No user has the e-mail address"):
        run("polar_trigger", "subscription.active", "--email", "nobody@example.com")


@pytest.mark.django_db
def test_polar_trigger_when_the_site_is_down_fails_clearly(owner, settings):
    settings.POLAR_WEBHOOK_SECRET = LEGACY_SECRET

    with pytest.raises(CommandError, match="Could not reach"):
        run("polar_trigger", "order.paid", "--email", owner.email, "--url", "http://127.0.0.1:9/x", "--timeout", "1")


# --- replay_webhooks ------------------------------------------------------------------------------


@pytest.fixture
def failed_event(owner, client, settings, monkeypatch):
    """An event whose handler crashed (a bug since fixed): stored failed with its error."""
    from tests.billing.conftest import post_event

    settings.POLAR_WEBHOOK_SECRET = LEGACY_SECRET

    def broken(**kwargs):
        raise RuntimeError("bug in a handler")

    with monkeypatch.context() as patch:
        patch.setitem(webhooks.EVENT_HANDLERS, "subscription.active", broken)
        response = post_event(
            client, subscription_event(owner, "subscription.active"), secret=LEGACY_SECRET, webhook_id="msg_failed"
        )
    assert response.status_code == 500
    return WebhookEvent.objects.get(webhook_id="msg_failed")


@pytest.mark.django_db
def test_replay_applies_failed_events(failed_event):
    output = run("replay_webhooks")

    assert "Replayed 1 event(s): 1 processed" in output
    failed_event.refresh_from_db()
    assert (failed_event.state, failed_event.attempts, failed_event.last_error) == ("processed", 2, "")
    assert Subscription.objects.get().status == "active"


@pytest.mark.django_db
def test_replay_twice_is_safe(failed_event):
    run("replay_webhooks")

    assert "Nothing to replay" in run("replay_webhooks")


@pytest.mark.django_db
def test_replay_by_id_reapplies_a_processed_event(failed_event):
    run("replay_webhooks")

    output = run("replay_webhooks", "--id", "msg_failed")

    assert "1 processed" in output
    failed_event.refresh_from_db()
    assert failed_event.attempts == 3


@pytest.mark.django_db
def test_replay_by_type_only_takes_that_type(failed_event):
    assert "Nothing to replay" in run("replay_webhooks", "--type", "order.paid")
    assert "1 processed" in run("replay_webhooks", "--type", "subscription.active")


@pytest.mark.django_db
def test_replay_of_an_unknown_id_fails(db):
    with pytest.raises(CommandError, match="No stored event has the id msg_nope"):
        run("replay_webhooks", "--id", "msg_nope")


@pytest.mark.django_db
def test_replay_that_fails_again_keeps_the_error(owner, client, settings):
    from tests.billing.conftest import post_event

    settings.POLAR_WEBHOOK_SECRET = LEGACY_SECRET
    post_event(client, subscription_event(owner, "subscription.active", status="bogus"), secret=LEGACY_SECRET)

    with pytest.raises(CommandError, match="1 event\\(s\\) failed again"):
        run("replay_webhooks")

    event = WebhookEvent.objects.get()
    assert (event.state, event.attempts) == ("failed", 2)
    assert "bogus" in event.last_error


# --- sync_subscriptions ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_sync_subscriptions_pulls_each_users_subscriptions(polar_api, owner, outsider):
    polar_api.subscriptions = [polar_subscription(owner)]

    output = run("sync_subscriptions")

    assert "Synced 1 subscription(s) for 2 of 2 user(s)" in output
    assert Subscription.objects.get().user == owner
    asked = {call["query"]["external_customer_id"] for call in polar_api.calls("GET", "/v1/subscriptions/")}
    assert asked == {str(owner.pk), str(outsider.pk)}


@pytest.mark.django_db
def test_sync_subscriptions_twice_changes_nothing(polar_api, owner):
    polar_api.subscriptions = [polar_subscription(owner)]
    run("sync_subscriptions")
    first = Subscription.objects.get()

    run("sync_subscriptions")

    again = Subscription.objects.get()
    assert (again.status, again.modified_at, again.user_id) == (first.status, first.modified_at, first.user_id)


@pytest.mark.django_db
def test_sync_subscriptions_never_overwrites_a_newer_webhook_state(polar_api, owner):
    from billing.services import subscription_upsert_from_polar

    subscription_upsert_from_polar(
        data=polar_subscription(owner, modified_at="2026-11-21T00:00:00Z", status="canceled")
    )
    polar_api.subscriptions = [polar_subscription(owner)]  # older: 2026-11-20

    run("sync_subscriptions", "--email", owner.email)

    assert Subscription.objects.get().status == "canceled"


@pytest.mark.django_db
def test_sync_subscriptions_for_one_user(polar_api, owner, outsider):
    run("sync_subscriptions", "--email", "OWNER@example.com")

    asked = [call["query"]["external_customer_id"] for call in polar_api.calls("GET", "/v1/subscriptions/")]
    assert asked == [str(owner.pk)]


@pytest.mark.django_db
def test_sync_subscriptions_reports_polar_failures(polar_api, owner):
    for _ in range(3):
        polar_api.respond("GET", "/v1/subscriptions/", 500, {"detail": "down"})

    with pytest.raises(CommandError, match="1 user\\(s\\) could not be synced"):
        run("sync_subscriptions")


@pytest.mark.django_db
def test_sync_subscriptions_without_token_fails(settings, db):
    settings.POLAR_ACCESS_TOKEN = ""

    with pytest.raises(CommandError, match="POLAR_ACCESS_TOKEN"):
        run("sync_subscriptions")


# --- sync_polar_products --------------------------------------------------------------------------


def product(product_id: str, name: str, amount: int, **extra) -> dict:
    return {
        "id": product_id,
        "name": name,
        "description": f"{name} plan",
        "is_recurring": True,
        "is_archived": False,
        "recurring_interval": "month",
        "metadata": {},
        "prices": [{"amount_type": "fixed", "price_amount": amount, "price_currency": "usd"}],
        "benefits": [],
        **extra,
    }


@pytest.mark.django_db
def test_sync_products_creates_plans_with_slug_and_first_price(polar_api):
    polar_api.products = [
        product("p-1", "Pro Plus", 1500, metadata={"slug": "pro", "max_bank_accounts": "10"}),
        product(
            "p-2",
            "Family Pack",
            2500,
            prices=[
                {"amount_type": "fixed", "price_amount": 2500, "price_currency": "eur"},
                {"amount_type": "fixed", "price_amount": 9999, "price_currency": "usd"},
            ],
            benefits=[{"description": "Five members"}],
        ),
    ]

    output = run("sync_polar_products")

    assert "2 created" in output
    pro, family = Plan.objects.get(slug="pro"), Plan.objects.get(slug="family-pack")
    assert (pro.polar_product_id, pro.price_amount, pro.currency, pro.max_bank_accounts) == ("p-1", 1500, "USD", 10)
    assert (family.price_amount, family.currency, family.features) == (2500, "EUR", ["Five members"])


@pytest.mark.django_db
def test_sync_products_twice_changes_nothing(polar_api):
    polar_api.products = [product("p-1", "Pro", 1500)]
    run("sync_polar_products")

    output = run("sync_polar_products")

    assert "0 created, 0 updated, 1 unchanged" in output
    assert Plan.objects.count() == 1


@pytest.mark.django_db
def test_sync_products_takes_over_a_demo_plan_with_the_same_slug_and_retires_the_rest(polar_api):
    from billing.services import demo_plans_ensure

    demo_plans_ensure()
    polar_api.products = [product("real-pro", "Pro", 1200)]

    run("sync_polar_products")

    assert Plan.objects.get(slug="pro").polar_product_id == "real-pro"
    assert list(Plan.objects.filter(is_active=True).values_list("slug", flat=True)) == ["pro"]


@pytest.mark.django_db
def test_sync_products_deactivates_archived_and_skips_one_time_products(polar_api):
    polar_api.products = [
        product("p-old", "Old", 500, is_archived=True),
        product("p-book", "E-book", 900, is_recurring=False),
    ]

    output = run("sync_polar_products")

    assert Plan.objects.get(slug="old").is_active is False
    assert not Plan.objects.filter(slug="e-book").exists()
    assert "skipped (not recurring): E-book" in output


@pytest.mark.django_db
def test_sync_products_when_polar_fails_changes_nothing(polar_api):
    for _ in range(3):
        polar_api.respond("GET", "/v1/products/", 500, {"detail": "down"})

    with pytest.raises(CommandError, match="Polar answered 500"):
        run("sync_polar_products")

    assert not Plan.objects.exists()
