"""The account pages for every scheme and type: adding (cash past the free limit), editing, closing and
reopening, and what the overview counts."""

import datetime

import pytest
from django.test import override_settings

from accounts.models import AuditEvent
from banking import services
from banking.models import BankAccount
from tests.banking.conftest import add_transaction, make_account

TODAY = datetime.date.today()


def add(client, **form):
    return client.post("/dashboard/accounts/new", {"bank_name": "Bank", "account_type": "checking", **form})


def test_an_iban_account_added_on_the_page_is_ready_at_once(owner, owner_client):
    response = add(owner_client, scheme="iban", iban="DE89 3704 0044 0532 0130 00", opening_balance="1.234,50")

    account = BankAccount.objects.get(user=owner)
    assert response.status_code == 302 and response["Location"] == f"/dashboard/accounts/{account.pk}/"
    assert (account.scheme, account.currency, account.status, account.balance) == ("iban", "EUR", "active", 123450)
    detail = owner_client.get(response["Location"]).content.decode()
    assert "IBAN" in detail and "•••• 3000" in detail and "Routing number" not in detail and "Germany" in detail


def test_a_uk_account_added_on_the_page_shows_its_sort_code(owner, owner_client):
    response = add(owner_client, scheme="uk", sort_code="12 34 56", account_number="12345678", routing_number="x")

    account = BankAccount.objects.get(user=owner)
    assert response.status_code == 302 and account.scheme == "uk" and account.currency == "GBP"
    assert "12-34-56" in owner_client.get(f"/dashboard/accounts/{account.pk}/").content.decode()


def test_only_the_chosen_schemes_fields_are_read(owner, owner_client):
    response = add(owner_client, scheme="iban", iban="", account_number="12345678")

    assert response.status_code == 400 and response.context["form"].errors["iban"]
    assert not BankAccount.objects.exists()


def test_cash_is_added_without_a_bank(owner, owner_client):
    response = add(owner_client, account_type="cash", bank_name="", nickname="Wallet", currency="EUR",
                   opening_balance="€40")  # fmt: skip

    account = BankAccount.objects.get(user=owner)
    assert response.status_code == 302
    assert (account.scheme, account.display_name, account.balance) == ("none", "Wallet", 4000)


def test_past_the_free_limit_cash_can_still_be_added(owner, owner_client, account):
    form = owner_client.get("/dashboard/accounts/new?account_type=cash")
    response = add(owner_client, account_type="cash", nickname="Jar", currency="USD")
    refused = add(owner_client, scheme="other", account_number="99887766")

    assert form.status_code == 200 and b"so you can add cash here" in form.content
    assert response.status_code == 302 and BankAccount.objects.filter(user=owner, account_type="cash").count() == 1
    assert refused.status_code == 402 and BankAccount.objects.filter(user=owner).count() == 2


def test_the_accounts_page_counts_bank_accounts_only(owner, owner_client, account):
    services.bank_account_create(user=owner, account_type="cash", nickname="Wallet")

    content = owner_client.get("/dashboard/accounts/").content.decode()

    assert "1 of 1 bank account on your plan; cash does not count" in content and "Add cash" in content


def test_the_edit_page_renames_and_sets_the_opening_balance(owner, owner_client, account):
    response = owner_client.post(
        f"/dashboard/accounts/{account.pk}/edit",
        {"nickname": "Bills", "bank_name": "Harbor", "opening_balance": "$1,000", "opening_balance_date": ""},
    )

    account.refresh_from_db()
    assert response.status_code == 302
    assert (account.nickname, account.opening_balance, account.balance) == ("Bills", 100000, 100000)
    assert account.opening_balance_date == TODAY
    assert AuditEvent.objects.filter(action="bank_account.updated").exists()


def test_the_edit_page_reports_a_bad_amount(owner_client, account):
    response = owner_client.post(f"/dashboard/accounts/{account.pk}/edit", {"nickname": "x", "opening_balance": "€5"})

    assert (
        response.status_code == 400 and "leave out the € sign" in response.context["form"].errors["opening_balance"][0]
    )


def test_close_and_reopen_from_the_page(owner, owner_client, account):
    add_transaction(owner, account, amount=1000)

    owner_client.post(f"/dashboard/accounts/{account.pk}/close")
    closed = owner_client.get(f"/dashboard/accounts/{account.pk}/").content.decode()
    listing = owner_client.get("/dashboard/accounts/").content.decode()
    owner_client.post(f"/dashboard/accounts/{account.pk}/reopen")

    assert "Reopen account" in closed and "Add transaction" not in closed
    assert "Closed accounts" in listing
    account.refresh_from_db()
    assert account.status == "active"


def test_a_closed_account_leaves_the_overviews_totals(owner, owner_client, account):
    euro = make_account(owner, account_number="4444333322", currency="EUR", nickname="Euro")
    add_transaction(owner, euro, amount=5000, type="credit")
    services.bank_account_close(user=owner, bank_account=euro)

    content = owner_client.get("/dashboard/").content.decode()

    assert "Total balance · USD" in content and "Total balance · EUR" not in content


def test_the_overview_shows_assets_debts_and_net_worth_per_currency(owner, owner_client, account):
    with override_settings(FREE_MAX_BANK_ACCOUNTS=10):
        services.bank_account_create(user=owner, account_type="credit", bank_name="Card", account_number="44443333",
                                     country="US", opening_balance=-30000)  # fmt: skip
        services.bank_account_create(user=owner, account_type="cash", nickname="Wallet", opening_balance=50000)

    content = owner_client.get("/dashboard/").content.decode()

    assert "Assets $500.00" in content and "Debts −$300.00" in content and "$200.00" in content


def test_the_transaction_form_does_not_offer_the_verification_category(owner_client, account):
    content = owner_client.get("/dashboard/transactions/new").content.decode()

    assert 'value="verification"' not in content


@pytest.mark.parametrize("path", ["edit", "close", "reopen"])
def test_outsider_gets_404_on_account_writes(outsider, account, path):
    from django.test import Client

    client = Client()
    client.force_login(outsider)

    assert client.post(f"/dashboard/accounts/{account.pk}/{path}", {"nickname": "x"}).status_code == 404
    account.refresh_from_db()
    assert account.status == "active" and account.nickname == "Everyday Checking"
