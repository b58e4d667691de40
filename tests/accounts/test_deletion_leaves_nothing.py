"""Deleting an account leaves nothing of the person anywhere: any table, the cache, uploaded files.

A user is made with data everywhere (through the pages and the API where they exist), deleted through the
real page, and then every model of every installed app, every table the database has (raw SQL, the cache
table and sessions decoded), the cache and the media folder are searched for anything that names them.
The one row allowed to remain is the deletion's audit event, which names the deleted id and nothing else.
"""

import base64
import copy
import io
import json
import os
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from allauth.socialaccount.models import SocialAccount
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone
from PIL import Image

from accounts.models import AuditEvent, OutboundEmail, User
from accounts.services import api_token_create
from billing import services as billing_services
from billing import webhooks
from billing.models import Order, WebhookEvent
from billing.testing import build_event, customer_id_for
from tests.accounts.conftest import sign_in_post
from tests.accounts.helpers import confirmation_path
from tests.conftest import PASSWORD, Api

pytestmark = pytest.mark.django_db

NAME = "Zelda Quixote"
EMAIL = "zelda.quixote@example.org"
SECOND_EMAIL = "zq.second@example.net"
ACCOUNT_NUMBER = "000987657319"
CHECKOUT_ID = str(uuid.uuid4())
LOOSE_CUSTOMER_ID = str(uuid.uuid4())  # a customer id only a checkout found by e-mail names
CACHE_TABLE = "django_cache"


# --- Making a user with data everywhere ---------------------------------------------------------------


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), "#336699").save(buffer, format="PNG")
    return SimpleUploadedFile("zelda.png", buffer.getvalue(), content_type="image/png")


def sign_up_and_confirm(client: Client) -> User:
    # An unknown-account e-mail to the address before the account exists: stored without a user.
    client.post("/accounts/password/reset/", {"email": EMAIL})
    client.post("/sign-up", {"name": NAME, "email": EMAIL, "password1": PASSWORD})
    response = client.post(confirmation_path(EMAIL))
    assert response.status_code == 302, response.content
    return User.objects.get(email=EMAIL)


def fill_banking(client: Client) -> None:
    client.get("/dashboard/")  # the csrftoken cookie
    api = Api(client)
    checking = api.post(
        "/api/bank-accounts",
        {
            "account_type": "savings",
            "bank_name": "Quixote Savings Bank",
            "nickname": "Quixote rainy day",
            "account_number": ACCOUNT_NUMBER,
        },
    )
    assert checking.status_code == 201, checking.content
    cash = api.post("/api/bank-accounts", {"account_type": "cash", "nickname": "Quixote wallet"})
    assert cash.status_code == 201, cash.content
    for account in (checking.json()["bank_account"], cash.json()["bank_account"]):
        created = api.post(
            "/api/transactions",
            {
                "bank_account_id": account["id"],
                "amount": 1250,
                "type": "debit",
                "transaction_date": timezone.localdate().isoformat(),
                "description": "Quixote windmill tickets",
                "merchant_name": "Quixote Travel",
                "category": "travel",
            },
        )
        assert created.status_code == 201, created.content
    budget = api.post("/api/budgets", {"name": "Quixote adventures", "category": "travel", "amount": 50000})
    assert budget.status_code == 201, budget.content


def deliver(event: dict, webhook_id: str) -> None:
    billing_services.webhook_event_receive(
        webhook_id=webhook_id, payload=event, handler=webhooks.handler_for(event["type"])
    )


def fill_billing(user: User) -> None:
    subscription_id = str(uuid.uuid4())
    started = timezone.now() - timedelta(days=40)
    for minutes, event_type in enumerate(["subscription.created", "subscription.active", "subscription.revoked"]):
        at = started + timedelta(minutes=minutes)
        event = build_event(
            event_type, user, subscription_id=subscription_id, started_at=started, at=at, checkout_id=CHECKOUT_ID
        )
        deliver(event, f"msg_sub_{minutes}")
    deliver(build_event("order.paid", user, subscription_id=subscription_id), "msg_order")
    # Polar's deliveries that carry no `customer.external_id`: nothing links them to the user when stored.
    anonymous_order = build_event("order.paid", user)
    del anonymous_order["data"]["customer"]
    anonymous_order["data"]["billing_address"] = {"line1": "1 Quixote Lane", "city": "La Mancha", "country": "ES"}
    deliver(anonymous_order, "msg_order_without_customer")
    customer = build_event("customer.updated", user)
    customer["data"] = copy.deepcopy(customer["data"]["customer"])
    customer["data"]["billing_address"] = {"line1": "1 Quixote Lane", "city": "La Mancha", "country": "ES"}
    deliver(customer, "msg_customer")
    checkout = build_event("checkout.updated", user)
    checkout["data"] = {
        "id": str(uuid.uuid4()),
        "status": "confirmed",
        "customer_id": LOOSE_CUSTOMER_ID,
        "customer_email": EMAIL.upper(),
        "customer_name": NAME,
        "customer_billing_address": {"line1": "1 Quixote Lane", "country": "ES"},
    }
    deliver(checkout, "msg_checkout")
    deliver(
        {"type": "benefit_grant.created", "data": {"id": str(uuid.uuid4()), "customer_id": LOOSE_CUSTOMER_ID}},
        "msg_benefit",
    )
    deliver(
        {"type": "checkout.created", "data": {"id": CHECKOUT_ID, "status": "open", "customer_name": NAME}},
        "msg_checkout_created",
    )
    # What the failure path keeps when the database refuses a delivery as JSON.
    WebhookEvent.objects.create(
        webhook_id="msg_kept_as_text",
        type="customer.updated",
        payload=None,
        raw_body=json.dumps({"type": "customer.updated", "data": {"email": SECOND_EMAIL, "name": "Z\\u0000Q"}}),
        state="failed",
    )
    assert Order.objects.filter(user__isnull=True).exists()


def fill_everything_else(user: User, client: Client, staff: User) -> None:
    other_device = Client()
    assert sign_in_post(other_device, EMAIL).status_code == 302
    client.post("/dashboard/settings/", {"name": NAME, "avatar": png()})
    user.refresh_from_db()
    assert user.avatar
    EmailAddress.objects.create(user=user, email=SECOND_EMAIL, verified=False)
    api_token_create(user=user, name="Quixote script", scope="read", expires_in_days=30, request=None)
    TOTP.activate(user, "JBSWY3DPEHPK3PXQ")
    SocialAccount.objects.create(
        user=user, provider="google", uid="1099", extra_data={"email": EMAIL, "name": NAME, "sub": "1099"}
    )
    LogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(user.pk),
        object_repr=EMAIL,
        action_flag=CHANGE,
        change_message="[]",
    )
    assert "Quixote windmill tickets" in client.get("/dashboard/").content.decode()  # cached now


# --- Looking for them everywhere ------------------------------------------------------------------------


def needles(user: User) -> set[str]:
    ids = {str(user.pk), user.pk.hex, customer_id_for(user), CHECKOUT_ID, LOOSE_CUSTOMER_ID}
    ids |= set(user.subscriptions.values_list("id", flat=True))
    ids |= set(Order.objects.filter(customer_id=customer_id_for(user)).values_list("id", flat=True))
    return {needle.lower() for needle in ids | {EMAIL, SECOND_EMAIL, "quixote", "la mancha"}}


def found_in(text: str, wanted: set[str]) -> set[str]:
    text = text.lower()
    return {needle for needle in wanted if needle in text}


def model_rows(deletion_event_id: int):
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.managed:
            continue  # no table of its own (django-rq's admin dashboard); the raw tables are read below
        rows = model._base_manager.all()
        if model is AuditEvent:
            rows = rows.exclude(pk=deletion_event_id)
        for row in rows.values():
            yield model._meta.label, repr(row)


def _decoded(table: str, column: str, value) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("latin-1")
    text = str(value)
    if table == CACHE_TABLE and column == "value":
        return base64.b64decode(text).decode("latin-1")  # a pickle: its strings are UTF-8 inside
    if table == "django_session" and column == "session_data":
        from importlib import import_module

        return json.dumps(import_module(settings.SESSION_ENGINE).SessionStore().decode(text))
    return text


def table_rows(deletion_event_id: int):
    audit_table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            quoted = connection.ops.quote_name(table)
            if table == audit_table:
                cursor.execute(f"SELECT * FROM {quoted} WHERE id <> %s", [deletion_event_id])
            else:
                cursor.execute(f"SELECT * FROM {quoted}")
            columns = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                yield table, " ".join(_decoded(table, c, v) for c, v in zip(columns, row, strict=True))


def cache_entries():
    backend = cache._cache if hasattr(cache, "_cache") else None
    if isinstance(backend, dict):  # the in-process cache: pickled values
        for key, value in backend.items():
            yield key, key + " " + bytes(value).decode("latin-1")
    elif hasattr(backend, "get_client"):  # Redis
        client = backend.get_client(None, write=True)
        for key in client.scan_iter(match="*"):
            value = client.get(key) if client.type(key) == b"string" else b""
            yield key.decode(), key.decode("latin-1") + " " + (value or b"").decode("latin-1")


def media_files():
    root = Path(settings.MEDIA_ROOT)
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            yield (
                str(path.relative_to(root)),
                str(path.relative_to(root)) + (path.read_bytes().decode("latin-1") if path.is_file() else ""),
            )


def leftovers(user_needles: set[str], deletion_event_id: int) -> list[tuple[str, set[str]]]:
    sources = [model_rows(deletion_event_id), table_rows(deletion_event_id), cache_entries(), media_files()]
    return [(where, hits) for source in sources for where, text in source if (hits := found_in(text, user_needles))]


@contextmanager
def cache_backend(kind: str):
    """The cache the site runs with: the database cache (its table made for the test), or the suite's own."""
    if kind == "configured":
        yield
        return
    database_cache = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": CACHE_TABLE}}
    with override_settings(CACHES=database_cache):
        call_command("createcachetable", verbosity=0)
        yield


@pytest.mark.parametrize("kind", ["database", "configured"])
def test_deleting_an_account_leaves_nothing_of_the_person_anywhere(kind, staff):
    with cache_backend(kind):
        client = Client()
        user = sign_up_and_confirm(client)
        fill_banking(client)
        fill_billing(user)
        fill_everything_else(user, client, staff)
        wanted = needles(user)
        assert OutboundEmail.objects.filter(user__isnull=True, to=[EMAIL]).exists()
        assert any(found_in(text, wanted) for _, text in media_files())
        assert leftovers(wanted, deletion_event_id=0), "the search finds the user before the deletion"

        client.post("/accounts/reauthenticate/", {"password": PASSWORD})
        response = client.post("/dashboard/settings/data/delete", {"email": EMAIL})

        assert response.status_code == 302, response.content
        deletion = AuditEvent.objects.get(action="account.deleted")
        assert leftovers(wanted, deletion.pk) == []
        assert (deletion.user_id, deletion.details, deletion.ip_address, deletion.user_agent) == (
            None,
            {"user_id": str(user.pk)},
            None,
            "",
        )
