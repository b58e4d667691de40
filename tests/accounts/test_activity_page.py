"""The audit log's two views: Settings → Security (security events) and Settings → Activity (data edits)."""

import pytest

from accounts.audit import audit_log
from accounts.models import AuditEvent
from tests.banking.conftest import ACCOUNT_NUMBER, add_transaction, make_account

pytestmark = pytest.mark.django_db

ACTIVITY_URL = "/dashboard/settings/activity"
SECURITY_URL = "/dashboard/settings/security"


def page(client, url: str = ACTIVITY_URL, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


# --- Security activity ----------------------------------------------------------------------------


def test_thirty_transactions_do_not_push_sign_ins_off_security_activity(owner_client, owner):
    audit_log(action="auth.signed_in", user=owner, details={"provider": "email"})
    for _ in range(30):
        audit_log(action="transaction.created", user=owner, details={})

    assert "Signed in" in page(owner_client, SECURITY_URL)


def test_security_activity_leaves_out_data_edits(owner_client, owner):
    audit_log(action="budget.created", user=owner, details={})

    html = page(owner_client, SECURITY_URL)

    assert "Created a budget" not in html
    assert "Nothing yet." in html


def test_security_activity_shows_tokens_and_account_number_reveals(owner_client, owner):
    audit_log(action="api_token.created", user=owner, details={"name": "Spreadsheet"})
    audit_log(action="bank_account.number_revealed", user=owner, details={})

    html = page(owner_client, SECURITY_URL)

    assert "Created an API token" in html and "Spreadsheet" in html
    assert "Showed a full account number" in html


# --- Activity -------------------------------------------------------------------------------------


def test_activity_lists_data_edits_with_labels_newest_first(owner_client, owner):
    account = make_account(owner, nickname="Everyday")
    add_transaction(owner, account, description="Corner cafe")

    html = page(owner_client)

    assert html.index("Added a transaction") < html.index("Linked a bank account")
    assert "Corner cafe · Everyday ····1012" in html


def test_activity_leaves_out_security_events(owner_client, owner):
    audit_log(action="auth.signed_in", user=owner, details={"provider": "email"})
    audit_log(action="password.changed", user=owner)

    html = page(owner_client)

    assert "Signed in" not in html and "Changed the password" not in html
    assert "Nothing yet." in html


def test_activity_never_shows_an_account_number(owner_client, owner):
    account = make_account(owner, nickname="Everyday")
    add_transaction(owner, account)

    assert ACCOUNT_NUMBER not in page(owner_client)


def test_activity_names_a_removed_account_by_its_last_four_digits(owner_client, owner):
    from banking.services import bank_account_delete

    account = make_account(owner, nickname="Old account")
    bank_account_delete(user=owner, bank_account=account)

    assert 'Removed a bank account <span class="muted">· ····1012</span>' in page(owner_client)


def test_activity_describes_transfers_by_both_accounts(owner_client, owner):
    everyday = make_account(owner, nickname="Everyday")
    savings = make_account(owner, account_number="55550000111", nickname="Savings", account_type="savings")
    details = {"from_account_id": str(everyday.pk), "to_account_id": str(savings.pk)}
    audit_log(action="transfer.created", user=owner, details=details)

    assert 'Made a transfer <span class="muted">· from Everyday ····1012 to Savings ····0111</span>' in page(
        owner_client
    )


def test_activity_describes_budget_edits_by_name_and_fields(owner_client, owner):
    from banking.services import budget_create

    budget = budget_create(user=owner, name="Food", category="groceries", amount=20000)
    audit_log(action="budget.updated", user=owner, details={"budget_id": str(budget.pk), "fields": ["amount"]})

    assert 'Edited a budget <span class="muted">· Food: changed amount</span>' in page(owner_client)


def test_outsider_sees_only_their_own_activity(outsider_client, owner):
    account = make_account(owner, nickname="Owner's account")
    add_transaction(owner, account, description="Owner's purchase")

    html = page(outsider_client)

    assert "Added a transaction" not in html and "Owner's purchase" not in html
    assert "Nothing yet." in html


def test_an_outsiders_ids_in_details_are_never_named(owner_client, owner, outsider):
    theirs = make_account(outsider, account_number="111122223333", nickname="Not yours")
    audit_log(action="bank_account.updated", user=owner, details={"bank_account_id": str(theirs.pk)})

    html = page(owner_client)

    assert "Changed a bank account" in html and "Not yours" not in html


def test_older_link_pages_through_everything_once(owner_client, owner):
    AuditEvent.objects.bulk_create(
        [AuditEvent(user=owner, action="budget.created", details={"n": n}) for n in range(120)]
    )
    audit_log(action="auth.signed_in", user=owner, details={})

    seen, cursor, pages = [], None, 0
    while True:
        response = owner_client.get(ACTIVITY_URL, {"cursor": cursor} if cursor else {})
        rows = response.context["page"].rows
        seen += [row.event.pk for row in rows]
        pages += 1
        cursor = response.context["page"].older_cursor
        if cursor is None:
            break
        assert 'rel="next"' in response.content.decode()

    assert pages == 3
    assert seen == list(
        AuditEvent.objects.filter(user=owner, action="budget.created")
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )


def test_a_damaged_older_link_starts_again_from_the_newest(owner_client, owner):
    audit_log(action="budget.created", user=owner, details={})

    response = owner_client.get(ACTIVITY_URL, {"cursor": "not-a-cursor"}, follow=True)

    assert response.status_code == 200
    assert "Created a budget" in response.content.decode()
    assert "start again from the newest activity" in response.content.decode()


def test_activity_query_count_is_fixed(owner_client, owner, django_assert_max_num_queries):
    account = make_account(owner, nickname="Everyday")
    for n in range(20):
        add_transaction(owner, account, description=f"Purchase {n}")
    from banking.services import budget_create

    for n in range(5):
        budget_create(user=owner, name=f"Budget {n}", category="groceries", amount=1000)
    audit_log(action="billing.checkout_started", user=owner, details={"plan": "pro"})
    owner_client.get(ACTIVITY_URL)

    with django_assert_max_num_queries(6):
        page(owner_client)


def test_settings_tabs_link_to_activity(owner_client):
    html = page(owner_client, SECURITY_URL)

    assert 'href="/dashboard/settings/activity"' in html


def test_activity_needs_a_signed_in_user(client):
    response = client.get(ACTIVITY_URL)

    assert response.status_code == 302
    assert response["Location"] == f"/sign-in?next={ACTIVITY_URL}"
