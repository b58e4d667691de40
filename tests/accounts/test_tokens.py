"""Personal API tokens: the model's rules, the services, the Settings page, and `authenticate_bearer`."""

import datetime
import hashlib
import json
import logging
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import tokens
from accounts.models import MAX_LIVE_API_TOKENS, ApiToken, AuditEvent
from accounts.services import api_token_create, api_token_revoke
from accounts.tokens import TokenInvalid, TokenRateLimited, TokenScopeError, authenticate_bearer
from saas.logging import JsonFormatter
from tests.accounts.conftest import sign_in_post, staff_sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PAGE = "/dashboard/settings/tokens"
TOKEN_SHAPE = re.compile(r"^lgy_[a-z0-9]{12}_[A-Za-z0-9]{40}$")


def make_token(user, *, name="Budget script", scope="read", expires_in_days=90) -> tuple[ApiToken, str]:
    return api_token_create(user=user, name=name, scope=scope, expires_in_days=expires_in_days, request=None)


def secret_of(raw: str) -> str:
    return raw.rsplit("_", 1)[1]


def expire(token: ApiToken, *, days_ago: int = 1) -> None:
    """Move a 30-day token back in time until it expired `days_ago` days ago."""
    expired_at = timezone.now() - datetime.timedelta(days=days_ago)
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=expired_at - datetime.timedelta(days=30), expires_at=expired_at
    )


@pytest.fixture
def clock(monkeypatch):
    """Pins the rate limiter's clock inside one window, so no test straddles a window's end by chance."""
    now = [1_800_000_000.0 + 10]  # 10 seconds into a window
    monkeypatch.setattr(tokens.time, "time", lambda: now[0])
    return now


def create_post(client, **overrides):
    return client.post(PAGE, {"name": "Budget script", "scope": "read", "expires_in": "90", **overrides})


# --- Model and services -----------------------------------------------------------------------------


def test_a_new_token_is_prefixed_and_shows_its_public_part(owner):
    token, raw = make_token(owner)

    assert TOKEN_SHAPE.match(raw)
    assert raw.startswith(token.prefix + "_")
    assert secret_of(raw) not in token.prefix


def test_only_the_hash_of_the_secret_is_stored(owner):
    token, raw = make_token(owner)

    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert row["secret_hash"] == hashlib.sha256(secret_of(raw).encode()).hexdigest()
    assert not any(secret_of(raw) in str(value) for value in row.values())


def test_the_secret_never_reaches_the_database(owner):
    with CaptureQueriesContext(connection) as queries:
        _, raw = make_token(owner)
        authenticate_bearer(raw, method="GET")

    assert not any(secret_of(raw) in query["sql"] for query in queries.captured_queries)


def test_every_token_is_different(owner):
    raws = {make_token(owner)[1] for _ in range(5)}

    assert len(raws) == 5
    assert len({raw[:16] for raw in raws}) == 5


@pytest.mark.parametrize("days", [30, 90, 365])
def test_a_token_expires_after_the_chosen_days(owner, days):
    token, _ = make_token(owner, expires_in_days=days)

    assert token.expires_at - token.created_at == datetime.timedelta(days=days)


def test_a_token_may_never_expire(owner):
    token, _ = make_token(owner, expires_in_days=None)

    assert token.expires_at is None
    assert token.status == "active"


@pytest.mark.parametrize("days", [7, 0, -30, 366])
def test_other_lifetimes_are_refused_and_nothing_is_stored(owner, days):
    with pytest.raises(ValidationError) as error:
        make_token(owner, expires_in_days=days)

    assert error.value.message_dict["expires_at"] == ["Choose 30, 90 or 365 days, or no expiry."]
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(action="api_token.created").exists()


@pytest.mark.parametrize("name", ["", "   "])
def test_a_token_needs_a_name(owner, name):
    with pytest.raises(ValidationError) as error:
        make_token(owner, name=name)

    assert error.value.message_dict["name"] == ["Give the token a name, such as the script or app that will use it."]
    assert not ApiToken.objects.exists()


def test_the_name_is_stored_without_surrounding_spaces(owner):
    token, _ = make_token(owner, name="  Home server  ")

    assert ApiToken.objects.get(pk=token.pk).name == "Home server"


def test_a_scope_other_than_read_or_write_is_refused(owner):
    with pytest.raises(ValidationError) as error:
        make_token(owner, scope="admin")

    assert error.value.message_dict["scope"] == ["Choose read, or read and write."]


def test_live_tokens_are_limited_per_user_with_a_way_out(owner, outsider):
    for n in range(MAX_LIVE_API_TOKENS):
        make_token(owner, name=f"Script {n}")

    with pytest.raises(ValidationError) as error:
        make_token(owner, name="One too many")

    assert "Revoke one you no longer use, then create this one." in error.value.messages[0]
    assert ApiToken.objects.filter(user=owner).count() == MAX_LIVE_API_TOKENS
    make_token(outsider)  # the limit is per user


def test_revoked_and_expired_tokens_do_not_count_towards_the_limit(owner):
    made = [make_token(owner, name=f"Script {n}")[0] for n in range(MAX_LIVE_API_TOKENS)]
    api_token_revoke(user=owner, token=made[0], request=None)
    expire(made[1])

    make_token(owner, name="Replacement one")
    make_token(owner, name="Replacement two")

    assert ApiToken.objects.live().filter(user=owner).count() == MAX_LIVE_API_TOKENS


def test_creating_is_audited_without_the_secret(owner):
    token, raw = make_token(owner, scope="write")

    event = AuditEvent.objects.get(user=owner, action="api_token.created")
    assert event.details == {"token_id": str(token.pk), "name": "Budget script", "scope": "write"}
    assert secret_of(raw) not in json.dumps(event.details)


def test_revoking_sets_the_time_and_is_audited(owner):
    token, _ = make_token(owner)

    api_token_revoke(user=owner, token=token, request=None)

    token.refresh_from_db()
    assert token.revoked_at is not None and token.status == "revoked"
    event = AuditEvent.objects.get(user=owner, action="api_token.revoked")
    assert event.details == {"token_id": str(token.pk), "name": "Budget script", "scope": "read"}


def test_revoking_twice_changes_nothing_the_second_time(owner):
    token, _ = make_token(owner)
    api_token_revoke(user=owner, token=token, request=None)
    first = ApiToken.objects.get(pk=token.pk).revoked_at

    api_token_revoke(user=owner, token=ApiToken.objects.get(pk=token.pk), request=None)

    assert ApiToken.objects.get(pk=token.pk).revoked_at == first
    assert AuditEvent.objects.filter(action="api_token.revoked").count() == 1


def test_revoking_another_users_token_is_refused(owner, outsider):
    token, _ = make_token(owner)

    with pytest.raises(Http404):
        api_token_revoke(user=outsider, token=token, request=None)

    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_deleting_the_user_deletes_their_tokens(owner):
    make_token(owner)

    owner.delete()

    assert not ApiToken.objects.exists()


# --- authenticate_bearer ----------------------------------------------------------------------------


def test_a_valid_token_authenticates_with_its_user_loaded(owner, django_assert_num_queries):
    made, raw = make_token(owner)
    authenticate_bearer(raw, method="GET")

    with django_assert_num_queries(1):
        token = authenticate_bearer(raw, method="GET")
        assert token.user.email == "owner@example.com"

    assert token.pk == made.pk


def test_the_bearer_value_may_carry_surrounding_spaces(owner):
    made, raw = make_token(owner)

    assert authenticate_bearer(f" {raw} ", method="GET").pk == made.pk


def test_first_use_records_last_used(owner, django_assert_num_queries):
    token, raw = make_token(owner)

    with django_assert_num_queries(2):
        authenticate_bearer(raw, method="GET")

    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_last_used_is_written_at_most_once_a_minute(owner, django_assert_num_queries):
    token, raw = make_token(owner)
    authenticate_bearer(raw, method="GET")
    recorded = ApiToken.objects.get(pk=token.pk).last_used_at

    with django_assert_num_queries(3):  # three requests, one read each, no write
        for _ in range(3):
            authenticate_bearer(raw, method="GET")

    assert ApiToken.objects.get(pk=token.pk).last_used_at == recorded


def test_last_used_moves_on_after_a_minute(owner, django_assert_num_queries):
    token, raw = make_token(owner)
    a_minute_ago = timezone.now() - datetime.timedelta(seconds=61)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=a_minute_ago)

    with django_assert_num_queries(2):
        authenticate_bearer(raw, method="GET")

    assert ApiToken.objects.get(pk=token.pk).last_used_at > a_minute_ago


def test_last_used_written_meanwhile_by_another_request_is_not_overwritten(owner, monkeypatch):
    token, raw = make_token(owner)
    other_request_at = timezone.now() + datetime.timedelta(seconds=5)
    real_filter = ApiToken.objects.filter

    def filter_then_race(*args, **kwargs):
        # Another worker records its use between our read and our write.
        if "pk" in kwargs and len(args) == 1:
            real_filter(pk=token.pk).update(last_used_at=other_request_at)
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(ApiToken.objects, "filter", filter_then_race)
    authenticate_bearer(raw, method="GET")
    monkeypatch.undo()

    assert ApiToken.objects.get(pk=token.pk).last_used_at == other_request_at


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "Bearer",
        "lgy_",
        "not-a-token",
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        "lgy_abcdefghijkl_tooShort",
        "lgy_ABCDEFGHIJKL_" + "a" * 40,
        "lgy_abcdefghijkl_" + "a" * 39 + "!",
        "lgy_abcdefghijkl_" + "a" * 41,
    ],
)
def test_a_malformed_token_is_refused_without_a_query(db, raw, django_assert_num_queries):
    with django_assert_num_queries(0), pytest.raises(TokenInvalid) as error:
        authenticate_bearer(raw, method="GET")

    assert error.value.reason == "malformed"
    assert "Authorization: Bearer" in error.value.message


def test_an_unknown_token_is_refused(db):
    with pytest.raises(TokenInvalid) as error:
        authenticate_bearer("lgy_abcdefghijkl_" + "A" * 40, method="GET")

    assert error.value.reason == "unknown"
    assert "check that you copied all of it" in error.value.message


def test_a_known_public_id_with_the_wrong_secret_is_refused(owner):
    token, raw = make_token(owner)

    with pytest.raises(TokenInvalid) as error:
        authenticate_bearer(f"{token.prefix}_{'B' * 40}", method="GET")

    assert error.value.reason == "unknown"
    assert ApiToken.objects.get(pk=token.pk).last_used_at is None


def test_an_expired_token_is_refused_with_the_date(owner):
    token, raw = make_token(owner, expires_in_days=30)
    expire(token)

    with pytest.raises(TokenInvalid) as error:
        authenticate_bearer(raw, method="GET")

    assert error.value.reason == "expired"
    assert "expired on" in error.value.message and "Settings, API tokens" in error.value.message


def test_a_revoked_token_is_refused(owner):
    token, raw = make_token(owner)
    api_token_revoke(user=owner, token=token, request=None)

    with pytest.raises(TokenInvalid) as error:
        authenticate_bearer(raw, method="GET")

    assert error.value.reason == "revoked"
    assert "revoked" in error.value.message


def test_a_deactivated_users_token_is_refused(owner):
    _, raw = make_token(owner)
    owner.is_active = False
    owner.save(update_fields=["is_active"])

    with pytest.raises(TokenInvalid) as error:
        authenticate_bearer(raw, method="GET")

    assert error.value.reason == "inactive_user"
    assert "deactivated" in error.value.message


@pytest.mark.parametrize("method", ["POST", "PATCH", "PUT", "DELETE", "post"])
def test_a_read_token_may_not_write(owner, method):
    _, raw = make_token(owner, scope="read")

    with pytest.raises(TokenScopeError) as error:
        authenticate_bearer(raw, method=method)

    assert "read and write access" in error.value.message


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_a_read_token_may_read(owner, method):
    _, raw = make_token(owner, scope="read")

    assert authenticate_bearer(raw, method=method).scope == "read"


@pytest.mark.parametrize("method", ["GET", "POST", "PATCH", "PUT", "DELETE"])
def test_a_write_token_may_read_and_write(owner, method):
    _, raw = make_token(owner, scope="write")

    assert authenticate_bearer(raw, method=method).scope == "write"


def test_each_token_is_rate_limited_with_a_retry_after(owner, monkeypatch, clock):
    monkeypatch.setattr(tokens, "RATE_LIMIT_REQUESTS", 3)
    _, raw = make_token(owner)
    for _ in range(3):
        authenticate_bearer(raw, method="GET")

    with pytest.raises(TokenRateLimited) as error:
        authenticate_bearer(raw, method="GET")

    assert error.value.retry_after == 50
    assert "Try again in 50 seconds" in error.value.message


def test_the_rate_limit_counts_each_token_on_its_own(owner, monkeypatch, clock):
    monkeypatch.setattr(tokens, "RATE_LIMIT_REQUESTS", 2)
    _, busy = make_token(owner, name="Busy")
    _, quiet = make_token(owner, name="Quiet")
    for _ in range(2):
        authenticate_bearer(busy, method="GET")

    with pytest.raises(TokenRateLimited):
        authenticate_bearer(busy, method="GET")
    assert authenticate_bearer(quiet, method="GET").name == "Quiet"


def test_the_rate_limit_starts_afresh_in_the_next_window(owner, monkeypatch, clock):
    monkeypatch.setattr(tokens, "RATE_LIMIT_REQUESTS", 1)
    _, raw = make_token(owner)
    authenticate_bearer(raw, method="GET")
    with pytest.raises(TokenRateLimited):
        authenticate_bearer(raw, method="GET")

    clock[0] += tokens.RATE_LIMIT_WINDOW

    assert authenticate_bearer(raw, method="GET")


# --- The Settings page ------------------------------------------------------------------------------


def test_settings_tabs_lead_to_api_tokens(owner_client):
    html = owner_client.get("/dashboard/settings/").content.decode()

    assert re.search(r'<a href="/dashboard/settings/tokens"\s*>API tokens</a>', html)


def test_the_page_lists_tokens_with_their_prefix_dates_and_status(owner_client, owner):
    active, _ = make_token(owner, name="Active one")
    revoked, _ = make_token(owner, name="Revoked one")
    api_token_revoke(user=owner, token=revoked, request=None)
    expired, _ = make_token(owner, name="Expired one", expires_in_days=30)
    expire(expired, days_ago=10)

    response = owner_client.get(PAGE)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'aria-current="page">API tokens</a>' in html
    assert f"{active.prefix}…</code>" in html
    assert "Active one" in html and "Revoked one" in html and "Expired one" in html
    assert html.count('<span class="badge badge-success">Active</span>') == 1
    assert html.count('<span class="badge badge-warning">Expired</span>') == 1
    assert html.count('<span class="badge badge-danger">Revoked</span>') == 1
    # Only the live token can be revoked, and it is listed first.
    assert html.count(">Revoke</button>") == 1
    assert f"/dashboard/settings/tokens/{active.pk}/revoke" in html
    assert html.index("Active one") < html.index("Revoked one")


def test_the_page_never_shows_a_secret_or_hash(owner_client, owner):
    token, raw = make_token(owner)

    html = owner_client.get(PAGE).content.decode()

    assert secret_of(raw) not in html and token.secret_hash not in html


def test_the_page_is_never_cached(owner_client):
    assert "no-store" in owner_client.get(PAGE)["Cache-Control"]


def test_the_page_shows_another_users_tokens_to_nobody(owner_client, outsider):
    make_token(outsider, name="Outsider script")

    assert "Outsider script" not in owner_client.get(PAGE).content.decode()


def test_the_page_query_count_does_not_grow_with_tokens(owner_client, owner, django_assert_max_num_queries):
    for n in range(8):
        make_token(owner, name=f"Script {n}")
    owner_client.get(PAGE)

    with django_assert_max_num_queries(3):
        response = owner_client.get(PAGE)

    assert response.content.decode().count(">Revoke</button>") == 8


def test_the_create_form_offers_both_scopes_and_the_expiry_choices(owner_client):
    html = owner_client.get(PAGE).content.decode()

    assert 'type="radio" name="scope" value="read"' in html and 'type="radio" name="scope" value="write"' in html
    assert "change nothing" in html
    for value, label in [("30", "In 30 days"), ("90", "In 90 days"), ("365", "In 365 days"), ("none", "No expiry")]:
        assert f'<option value="{value}"' in html and label in html


def test_creating_asks_for_the_password_first(owner_client):
    response = create_post(owner_client)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/reauthenticate/?next=%2Fdashboard%2Fsettings%2Ftokens"
    assert not ApiToken.objects.exists()


def test_after_the_password_the_new_token_is_shown_once(owner_client, owner):
    create_post(owner_client, name="Home server", scope="write", expires_in="none")

    response = owner_client.post("/accounts/reauthenticate/", {"password": PASSWORD, "next": PAGE})

    html = response.content.decode()
    raw = re.search(r'id="new-token" class="token-value" type="text" value="(lgy_[^"]+)" readonly', html).group(1)
    token = ApiToken.objects.get(user=owner)
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    assert token.name == "Home server" and token.scope == "write" and token.expires_at is None
    assert token.secret_hash == hashlib.sha256(secret_of(raw).encode()).hexdigest()
    assert "Copy it now: you will not see it again." in html
    assert f'curl -H "Authorization: Bearer {raw}" http://testserver/api/bank-accounts' in html
    assert secret_of(raw) not in owner_client.get(PAGE).content.decode()


def test_a_recently_reauthenticated_user_gets_the_token_at_once(reauthenticated_client, owner):
    response = create_post(reauthenticated_client)

    assert response.status_code == 201
    assert ApiToken.objects.get(user=owner).expires_at is not None
    assert 'id="new-token"' in response.content.decode()


def test_the_token_never_travels_in_a_redirect_message_or_the_session(reauthenticated_client, owner):
    from django.contrib.sessions.models import Session

    response = create_post(reauthenticated_client)

    raw = re.search(r'value="(lgy_[^"]+)"', response.content.decode()).group(1)
    assert "Location" not in response
    assert all(secret_of(raw) not in str(s.get_decoded()) for s in Session.objects.all())
    assert secret_of(raw) not in str(response.cookies)


def test_bad_input_is_answered_before_asking_for_the_password(owner_client):
    response = create_post(owner_client, name="")

    assert response.status_code == 400
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "  ", "Give the token a name, such as the script or app that will use it."),
        ("name", "x" * 101, "Ensure this value has at most 100 characters (it has 101)."),
        ("scope", "admin", "Choose read, or read and write."),
        ("expires_in", "7", "Choose 30, 90 or 365 days, or no expiry."),
    ],
)
def test_bad_input_rerenders_the_form_with_what_to_fix(reauthenticated_client, field, value, message):
    response = create_post(reauthenticated_client, **{field: value})

    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert 'id="new-token"' not in html
    assert not ApiToken.objects.exists()


def test_over_the_limit_the_form_says_to_revoke_one_first(reauthenticated_client, owner):
    for n in range(MAX_LIVE_API_TOKENS):
        make_token(owner, name=f"Script {n}")

    response = create_post(reauthenticated_client, name="One too many")

    html = response.content.decode()
    assert response.status_code == 400
    assert "Revoke one you no longer use" in html
    assert not ApiToken.objects.filter(name="One too many").exists()


def test_revoking_from_the_page_marks_the_token_revoked(owner_client, owner):
    token, _ = make_token(owner)

    response = owner_client.post(f"{PAGE}/{token.pk}/revoke", follow=True)

    html = response.content.decode()
    assert response.redirect_chain == [(PAGE, 302)]
    assert "“Budget script” is revoked" in html
    assert '<span class="badge badge-danger">Revoked</span>' in html
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_revoking_an_already_revoked_token_says_so(owner_client, owner):
    token, _ = make_token(owner)
    api_token_revoke(user=owner, token=token, request=None)

    response = owner_client.post(f"{PAGE}/{token.pk}/revoke", follow=True)

    assert "“Budget script” was already revoked." in response.content.decode()
    assert AuditEvent.objects.filter(action="api_token.revoked").count() == 1


def test_the_outsider_gets_404_when_revoking_someone_elses_token(outsider_client, owner):
    token, _ = make_token(owner)

    response = outsider_client.post(f"{PAGE}/{token.pk}/revoke")

    assert response.status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_revoking_an_unknown_token_is_404(owner_client):
    assert owner_client.post(f"{PAGE}/6f1c2b8e-0000-4000-8000-000000000000/revoke").status_code == 404


def test_revoking_needs_a_post(owner_client, owner):
    token, _ = make_token(owner)

    assert owner_client.get(f"{PAGE}/{token.pk}/revoke").status_code == 405


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"] == f"/sign-in?next={PAGE}"


def test_token_events_read_well_in_the_security_activity(owner_client, owner):
    token, _ = make_token(owner, name="Home server")
    api_token_revoke(user=owner, token=token, request=None)

    html = owner_client.get("/dashboard/settings/security").content.decode()

    assert "Created an API token" in html and "Revoked an API token" in html
    assert '<span class="muted">· Home server</span>' in html


# --- Logs, export, admin ----------------------------------------------------------------------------


def test_the_token_never_reaches_a_log_line(client, owner, caplog):
    sign_in_post(client, "owner@example.com")
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    formatter = JsonFormatter()

    with caplog.at_level(logging.DEBUG):
        response = create_post(client)
        raw = re.search(r'value="(lgy_[^"]+)"', response.content.decode()).group(1)
        authenticate_bearer(raw, method="GET")
        with pytest.raises(TokenScopeError):
            authenticate_bearer(raw, method="POST")
        with pytest.raises(TokenInvalid):
            authenticate_bearer(raw[:-1] + ("y" if raw.endswith("x") else "x"), method="GET")  # never the same
        client.get("/api/auth/session", HTTP_AUTHORIZATION=f"Bearer {raw}")
        client.get("/api/no-such-endpoint", HTTP_AUTHORIZATION=f"Bearer {raw}")

    lines = [formatter.format(record) for record in caplog.records]
    assert any('"path": "/api/auth/session"' in line for line in lines)  # the access log was captured
    assert not any(secret_of(raw) in line for line in lines)


def test_a_rate_limited_token_is_logged_by_id_only(owner, monkeypatch, caplog, clock):
    monkeypatch.setattr(tokens, "RATE_LIMIT_REQUESTS", 1)
    token, raw = make_token(owner)
    authenticate_bearer(raw, method="GET")

    with caplog.at_level(logging.INFO, logger="accounts.tokens"), pytest.raises(TokenRateLimited):
        authenticate_bearer(raw, method="GET")

    (record,) = caplog.records
    assert record.token_id == str(token.pk)
    assert secret_of(raw) not in JsonFormatter().format(record)


def test_the_export_lists_token_metadata_but_no_secret_or_hash(owner_client, owner):
    token, raw = make_token(owner, name="Home server", scope="write", expires_in_days=None)

    response = owner_client.post("/dashboard/settings/data/export")
    body = b"".join(response.streaming_content).decode()

    (exported,) = json.loads(body)["api_tokens"]
    assert exported["name"] == "Home server" and exported["scope"] == "write"
    assert exported["prefix"] == token.prefix and exported["expires_at"] is None
    assert set(exported) == {"name", "prefix", "scope", "created_at", "expires_at", "last_used_at", "revoked_at"}
    assert secret_of(raw) not in body and token.secret_hash not in body


@pytest.fixture
def staff_client(client, staff):
    staff_sign_in(client)
    return client


def test_the_admin_shows_tokens_read_only_without_the_hash(staff_client, owner):
    token, raw = make_token(owner, name="Home server")

    listing = staff_client.get("/admin/accounts/apitoken/").content.decode()
    change = staff_client.get(f"/admin/accounts/apitoken/{token.pk}/change/")

    assert "Home server" in listing and token.prefix in listing
    assert change.status_code == 200 and b'name="_save"' not in change.content
    for html in (listing, change.content.decode()):
        assert secret_of(raw) not in html and token.secret_hash not in html
    assert staff_client.get("/admin/accounts/apitoken/add/").status_code == 403
    assert staff_client.post(f"/admin/accounts/apitoken/{token.pk}/delete/", {"post": "yes"}).status_code == 403


def test_the_admin_cannot_search_by_the_hash(staff_client, owner):
    token, _ = make_token(owner, name="Home server")

    html = staff_client.get(f"/admin/accounts/apitoken/?q={token.secret_hash}").content.decode()

    assert "Home server" not in html
