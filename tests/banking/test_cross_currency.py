"""Transfers between currencies: `to_amount` required across currencies and refused within one; both legs
linked, each in its own currency; the implied rate shown on both."""

import datetime

import pytest

from banking.models import BankAccount, Transaction
from banking.templatetags.transactions import rate_text
from tests.banking.conftest import make_account
from tests.banking.test_api import assert_validation_error

TODAY = datetime.date.today()


@pytest.fixture
def euro(owner):
    return make_account(owner, account_number="4444333322", currency="EUR", nickname="Euro")


def transfer(api, source, target, **extra):
    body = {"from_account_id": str(source.pk), "to_account_id": str(target.pk), "amount": 10000,
            "transaction_date": TODAY.isoformat(), **extra}  # fmt: skip
    return api.post("/api/transfers", body)


def test_a_transfer_between_currencies_moves_each_leg_in_its_own_currency(api, account, euro):
    response = transfer(api, account, euro, to_amount=9200)

    assert response.status_code == 201
    out, into = response.json()["transactions"]
    assert (out["signed_amount"], out["currency"]) == (-10000, "USD")
    assert (into["signed_amount"], into["currency"]) == (9200, "EUR")
    assert out["transfer_pair_id"] == into["transfer_pair_id"]
    account.refresh_from_db()
    euro.refresh_from_db()
    assert (account.balance, euro.balance) == (-10000, 9200)


def test_both_legs_show_the_same_implied_rate(api, account, euro):
    transfer(api, account, euro, to_amount=9200)

    legs = list(Transaction.objects.filter(type="transfer"))
    assert {rate_text(leg) for leg in legs} == {"1 USD = 0.92 EUR"}


def test_the_rate_respects_each_currencys_minor_units(owner, api, account):
    yen = make_account(owner, account_number="7777666655", currency="JPY")

    transfer(api, account, yen, amount=10000, to_amount=15123)

    assert {rate_text(leg) for leg in Transaction.objects.filter(type="transfer")} == {"1 USD = 151.23 JPY"}


def test_missing_to_amount_across_currencies_is_400(api, account, euro):
    response = transfer(api, account, euro)

    assert_validation_error(response, "to_amount")
    assert "EUR" in response.json()["fields"]["to_amount"][0]
    assert not Transaction.objects.filter(type="transfer").exists()


def test_to_amount_within_one_currency_is_400(api, account, second_account):
    response = transfer(api, account, second_account, to_amount=5000)

    assert_validation_error(response, "to_amount")
    assert not Transaction.objects.filter(type="transfer").exists()


@pytest.mark.parametrize("to_amount", [0, -5, "92.00", 10**13])
def test_bad_to_amount_is_400(api, account, euro, to_amount):
    assert_validation_error(transfer(api, account, euro, to_amount=to_amount), "to_amount")
    assert not Transaction.objects.filter(type="transfer").exists()


def test_same_currency_transfers_carry_no_rate(api, account, second_account):
    transfer(api, account, second_account)

    assert all(leg.counter_amount is None and rate_text(leg) == "" for leg in Transaction.objects.all())


def test_the_transfer_page_takes_the_amount_received(owner, owner_client, account, euro):
    response = owner_client.post(
        "/dashboard/transactions/transfer",
        {"from_account_id": str(account.pk), "to_account_id": str(euro.pk), "amount": "$1,000.00",
         "to_amount": "920,50", "transaction_date": TODAY.isoformat()},
    )  # fmt: skip

    assert response.status_code == 302
    assert Transaction.objects.get(bank_account=euro, type="transfer").amount == 92050
    history = owner_client.get("/dashboard/transactions/").content.decode()
    assert history.count("1 USD = 0.9205 EUR") == 2


def test_the_transfer_page_asks_for_the_amount_received_across_currencies(owner_client, account, euro):
    response = owner_client.post(
        "/dashboard/transactions/transfer",
        {"from_account_id": str(account.pk), "to_account_id": str(euro.pk), "amount": "10",
         "transaction_date": TODAY.isoformat()},
    )  # fmt: skip

    assert response.status_code == 400 and response.context["form"].errors["to_amount"]
    assert not BankAccount.objects.get(pk=euro.pk).transactions.filter(type="transfer").exists()
