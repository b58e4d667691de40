"""Accounts for everyone, through the JSON API: each identifier scheme, each type, the opening balance, edit,
close and reopen, the free plan's count, and the verification deposits kept out of the money."""

import datetime

import pytest
from django.test import override_settings

from accounts.models import AuditEvent
from banking import crypto, services
from banking.models import BankAccount, MicroDepositVerification, Transaction
from banking.services import account_number_context
from tests.banking.conftest import ACCOUNT_NUMBER, ROUTING, add_transaction, make_account
from tests.banking.test_api import ACCOUNT_KEYS, assert_validation_error

TODAY = datetime.date.today()
IBAN = "DE89370400440532013000"
GB_IBAN = "GB82WEST12345698765432"


def post(api, **body):
    body.setdefault("bank_name", "Bank")
    body.setdefault("account_type", "checking")
    return api.post("/api/bank-accounts", body)


def created(response):
    assert response.status_code == 201, response.content
    data = response.json()["bank_account"]
    assert set(data) == ACCOUNT_KEYS
    return data


def stored_secret(account_id) -> str:
    account = BankAccount.objects.get(pk=account_id)
    return crypto.get_key_ring().decrypt(account.account_number_encrypted, context=account_number_context(account.pk))


# --- schemes --------------------------------------------------------------------------------------


def test_us_account_is_us_ach_pending_with_micro_deposits(api):
    data = created(post(api, account_number=ACCOUNT_NUMBER, routing_number=ROUTING))

    assert data["scheme"] == "us_ach" and data["country"] == "US" and data["currency"] == "USD"
    assert data["routing_number"] == ROUTING and data["bic"] is None
    assert data["status"] == "pending" and data["verification_method"] == "micro_deposits"


def test_iban_account_is_active_at_once_in_its_countrys_currency(api):
    data = created(post(api, iban="de89 3704 0044 0532 0130 00", bic="COBADEFFXXX"))

    assert data["scheme"] == "iban" and data["country"] == "DE" and data["currency"] == "EUR"
    assert data["status"] == "active" and data["verification_method"] == "none" and data["is_verified"] is False
    assert data["last4"] == "3000" and data["bic"] == "COBADEFFXXX" and data["routing_number"] is None
    assert stored_secret(data["id"]) == IBAN
    assert not MicroDepositVerification.objects.exists() and not Transaction.objects.exists()


def test_uk_account_takes_a_sort_code_and_8_digits(api):
    data = created(post(api, sort_code="12-34-56", account_number="1234 5678"))

    assert data["scheme"] == "uk" and data["country"] == "GB" and data["currency"] == "GBP"
    assert data["last4"] == "5678" and data["routing_number"] is None and data["status"] == "active"
    assert BankAccount.objects.get().sort_code == "123456"


def test_other_account_takes_an_account_number_alone(api):
    data = created(post(api, account_number="ab-1234-5678", country="NG"))

    assert data["scheme"] == "other" and data["country"] == "NG" and data["currency"] == "NGN"
    assert data["last4"] == "5678" and stored_secret(data["id"]) == "AB12345678"


def test_cash_has_no_identifier_and_needs_no_bank(api):
    data = created(api.post("/api/bank-accounts", {"account_type": "cash", "nickname": "Wallet", "currency": "JPY"}))

    assert data["scheme"] == "none" and data["last4"] is None and data["account_type"] == "cash"
    assert data["status"] == "active" and data["currency"] == "JPY" and data["country"] is None
    assert BankAccount.objects.get().account_number_encrypted == ""


def test_scheme_may_be_sent_explicitly(api):
    data = created(post(api, scheme="other", account_number="99887766"))

    assert data["scheme"] == "other"


def test_currency_sent_wins_over_the_countrys(api):
    data = created(post(api, iban=IBAN, currency="usd"))

    assert data["country"] == "DE" and data["currency"] == "USD"


@pytest.mark.parametrize("account_type", ["checking", "savings", "credit", "loan", "investment"])
def test_every_bank_account_type_is_accepted(api, account_type):
    data = created(post(api, account_type=account_type, iban=IBAN))

    assert data["account_type"] == account_type


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"iban": "DE89370400440532013001"}, "iban", "check digits"),
        ({"iban": "DE8937040044053201300"}, "iban", "wrong length"),
        ({"iban": "XX89370400440532013000"}, "iban", "unknown country"),
        ({"iban": "hello"}, "iban", "IBAN"),
        ({"iban": IBAN, "bic": "DEUTGB2L"}, "bic", "belongs to a bank in GB"),
        ({"iban": IBAN, "bic": "NOTABIC"}, "bic", "8 or 11"),
        ({"bic": "COBADEFF"}, "iban", "required"),
        ({"iban": IBAN, "country": "FR"}, "country", "belongs to DE"),
        ({"sort_code": "12345", "account_number": "12345678"}, "sort_code", "6-digit"),
        ({"sort_code": "12-34-5a", "account_number": "12345678"}, "sort_code", "6-digit"),
        ({"sort_code": "123456", "account_number": "1234567"}, "account_number", "8 digits"),
        ({"sort_code": "123456", "account_number": "1234567A"}, "account_number", "digits only"),
        ({"sort_code": "123456"}, "account_number", "required"),
        ({"account_number": "12ab5678", "routing_number": ROUTING}, "account_number", "digits only"),
        ({"account_number": "12#4"}, "account_number", "letters and digits"),
        ({"account_number": "123"}, "account_number", "4 to 34"),
        ({"iban": IBAN, "routing_number": ROUTING}, "routing_number", "leave it out"),
        ({"scheme": "uk", "iban": IBAN}, "iban", "leave it out"),
        ({"account_number": ACCOUNT_NUMBER, "country": "ZZ"}, "country", "Unknown country"),
        ({"account_number": ACCOUNT_NUMBER, "country": "AF"}, "currency", "cannot tell it from AF"),
        ({}, "scheme", "Only cash has no identifier"),
        ({"account_type": "cash", "account_number": ACCOUNT_NUMBER}, "account_type", "Cash has no bank identifier"),
        ({"iban": IBAN, "opening_balance": "12.50"}, "opening_balance", "whole number"),
        ({"iban": IBAN, "opening_balance": 12.5}, "opening_balance", "whole number"),
        ({"iban": IBAN, "opening_balance": 10**13}, "opening_balance", "too large"),
        ({"iban": IBAN, "opening_balance_date": "2025-02-30"}, "opening_balance_date", "YYYY-MM-DD"),
        ({"iban": IBAN, "bank_name": ""}, "bank_name", "bank's name"),
    ],
)
def test_bad_identifiers_are_400_naming_the_field_and_store_nothing(api, body, field, message):
    response = post(api, **body)

    assert_validation_error(response, field)
    assert any(message in m for m in response.json()["fields"][field]), response.json()
    assert not BankAccount.objects.exists()


def test_the_same_iban_twice_is_409(api):
    with override_settings(FREE_MAX_BANK_ACCOUNTS=5):
        created(post(api, iban=IBAN))
        response = post(api, iban="DE89 3704 0044 0532 0130 00", nickname="again")

    assert response.status_code == 409 and BankAccount.objects.count() == 1


def test_the_same_number_under_another_scheme_is_not_a_duplicate(api):
    with override_settings(FREE_MAX_BANK_ACCOUNTS=5):
        created(post(api, sort_code="123456", account_number="12345678"))
        created(post(api, account_number="12345678"))
        created(post(api, sort_code="654321", account_number="12345678"))

    assert BankAccount.objects.count() == 3


def test_iban_never_appears_in_answers_or_audit(api):
    response = post(api, iban=IBAN)

    assert IBAN not in response.content.decode() and "0532013000" not in response.content.decode()
    assert IBAN not in str(list(AuditEvent.objects.values_list("details", flat=True)))


# --- the free plan --------------------------------------------------------------------------------


def test_cash_does_not_count_toward_the_free_limit(api):
    created(post(api, iban=IBAN))
    wallet = api.post("/api/bank-accounts", {"account_type": "cash", "nickname": "Wallet"})
    jar = api.post("/api/bank-accounts", {"account_type": "cash", "nickname": "Jar"})
    card = post(api, account_type="credit", account_number="44443333")

    assert wallet.status_code == jar.status_code == 201
    assert card.status_code == 402 and BankAccount.objects.count() == 3


def test_a_bank_account_can_be_added_after_cash_on_the_free_plan(api):
    api.post("/api/bank-accounts", {"account_type": "cash", "nickname": "Wallet"})

    created(post(api, iban=IBAN))


# --- opening balance ------------------------------------------------------------------------------


def test_opening_balance_is_the_starting_balance_dated_today_by_default(api):
    data = created(post(api, iban=IBAN, opening_balance=123450))

    assert data["balance"] == data["opening_balance"] == 123450
    assert data["opening_balance_date"] == TODAY.isoformat()


def test_a_card_owes_money_negative(api):
    data = created(post(api, account_type="credit", account_number="55554444", opening_balance=-80000))

    assert data["balance"] == -80000


def test_balance_is_opening_plus_transactions_on_or_after_its_date(owner, api):
    start = TODAY - datetime.timedelta(days=10)
    data = created(post(api, iban=IBAN, opening_balance=10000, opening_balance_date=start.isoformat()))
    account = BankAccount.objects.get(pk=data["id"])
    add_transaction(owner, account, amount=500, day=start - datetime.timedelta(days=1))  # already in the opening
    add_transaction(owner, account, amount=700, day=start)
    add_transaction(owner, account, amount=2000, type="credit", day=TODAY)

    assert api.get(f"/api/bank-accounts/{account.pk}").json()["bank_account"]["balance"] == 10000 - 700 + 2000


def test_editing_the_opening_balance_and_date_recomputes_the_balance(owner, api):
    data = created(post(api, iban=IBAN))
    account = BankAccount.objects.get(pk=data["id"])
    add_transaction(owner, account, amount=500, day=TODAY - datetime.timedelta(days=5))
    add_transaction(owner, account, amount=300, day=TODAY)

    response = api.patch(
        f"/api/bank-accounts/{account.pk}", {"opening_balance": 5000, "opening_balance_date": TODAY.isoformat()}
    )

    assert response.status_code == 200
    assert response.json()["bank_account"]["balance"] == 5000 - 300
    assert AuditEvent.objects.get(action="bank_account.updated").details["fields"] == [
        "opening_balance",
        "opening_balance_date",
    ]


def test_a_transaction_edit_before_the_opening_date_leaves_the_balance(owner, api):
    data = created(post(api, iban=IBAN, opening_balance=1000, opening_balance_date=TODAY.isoformat()))
    account = BankAccount.objects.get(pk=data["id"])
    old = add_transaction(owner, account, amount=500, day=TODAY - datetime.timedelta(days=3))

    services.transaction_update(user=owner, txn=old, changes={"amount": 900})
    services.transaction_delete(user=owner, txn=old)

    account.refresh_from_db()
    assert account.balance == 1000


# --- edit, close, reopen --------------------------------------------------------------------------


def test_rename_through_patch_is_audited(api, account):
    response = api.patch(f"/api/bank-accounts/{account.pk}", {"nickname": "Bills", "bank_name": "Harbor Bank"})

    data = response.json()["bank_account"]
    assert response.status_code == 200 and (data["nickname"], data["bank_name"]) == ("Bills", "Harbor Bank")
    assert AuditEvent.objects.get(action="bank_account.updated").details["fields"] == ["bank_name", "nickname"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"currency": "EUR"}, "currency"),
        ({"account_number": "1234"}, "account_number"),
        ({"status": "suspended"}, "status"),
        ({"nickname": 5}, "nickname"),
        ({"bank_name": ""}, "bank_name"),
        ({"opening_balance": "5"}, "opening_balance"),
    ],
)
def test_bad_patch_is_400_and_changes_nothing(api, account, body, field):
    assert_validation_error(api.patch(f"/api/bank-accounts/{account.pk}", body), field)
    assert BankAccount.objects.get(pk=account.pk).nickname == account.nickname
    assert not AuditEvent.objects.filter(action="bank_account.updated").exists()


def test_close_keeps_history_refuses_transactions_and_reopen_restores(owner, api, account):
    add_transaction(owner, account, amount=1000)

    closed = api.patch(f"/api/bank-accounts/{account.pk}", {"status": "closed"})
    refused = api.post(
        "/api/transactions",
        {"bank_account_id": str(account.pk), "amount": 100, "type": "debit", "description": "x",
         "transaction_date": TODAY.isoformat()},
    )  # fmt: skip
    reopened = api.patch(f"/api/bank-accounts/{account.pk}", {"status": "active"})

    assert closed.status_code == 200 and closed.json()["bank_account"]["status"] == "closed"
    assert closed.json()["bank_account"]["closed_at"] is not None
    assert_validation_error(refused, "bank_account_id")
    assert "closed" in refused.json()["fields"]["bank_account_id"][0]
    assert Transaction.objects.filter(bank_account=account, description="Coffee").count() == 1
    assert (
        reopened.json()["bank_account"]["status"] == "active" and reopened.json()["bank_account"]["closed_at"] is None
    )
    actions = list(AuditEvent.objects.filter(action__startswith="bank_account.").values_list("action", flat=True))
    assert "bank_account.closed" in actions and "bank_account.reopened" in actions


def test_closing_a_closed_account_is_400(api, account):
    api.patch(f"/api/bank-accounts/{account.pk}", {"status": "closed"})

    assert_validation_error(api.patch(f"/api/bank-accounts/{account.pk}", {"status": "closed"}), "status")


def test_reopening_an_open_account_is_400(api, account):
    assert_validation_error(api.patch(f"/api/bank-accounts/{account.pk}", {"status": "active"}), "status")


def test_a_closed_unverified_account_reopens_pending(owner, api):
    account = make_account(owner, verified=False)
    api.patch(f"/api/bank-accounts/{account.pk}", {"status": "closed"})

    assert api.patch(f"/api/bank-accounts/{account.pk}", {"status": "active"}).json()["bank_account"]["status"] == (
        "pending"
    )


def test_a_suspended_account_cannot_be_closed(owner, api, account, staff):
    services.bank_account_suspend(actor=staff, bank_account=account)

    assert_validation_error(api.patch(f"/api/bank-accounts/{account.pk}", {"status": "closed"}), "status")


def test_transfers_with_a_closed_account_are_refused(owner, api, account, second_account):
    services.bank_account_close(user=owner, bank_account=second_account)

    response = api.post(
        "/api/transfers",
        {"from_account_id": str(account.pk), "to_account_id": str(second_account.pk), "amount": 100,
         "transaction_date": TODAY.isoformat()},
    )  # fmt: skip

    assert_validation_error(response, "to_account_id")


def test_outsider_cannot_patch(outsider_api, account):
    response = outsider_api.patch(f"/api/bank-accounts/{account.pk}", {"status": "closed"})

    assert response.status_code == 404
    assert BankAccount.objects.get(pk=account.pk).status == "active"


# --- verification deposits ------------------------------------------------------------------------


def test_a_verified_account_with_no_other_transactions_has_balance_0_and_no_spending(owner, api):
    account = make_account(owner)

    data = api.get(f"/api/bank-accounts/{account.pk}").json()["bank_account"]
    deposits = Transaction.objects.filter(bank_account=account)

    assert data["balance"] == 0 and data["is_verified"] is True
    assert deposits.count() == 2 and all(d.category == "verification" for d in deposits)


def test_the_verification_category_is_not_for_people(owner, api, account):
    response = api.post(
        "/api/transactions",
        {"bank_account_id": str(account.pk), "amount": 100, "type": "credit", "description": "x",
         "category": "verification", "transaction_date": TODAY.isoformat()},
    )  # fmt: skip

    assert_validation_error(response, "category")


def test_a_deposit_cannot_be_turned_into_money(owner, api, account):
    deposit = Transaction.objects.filter(bank_account=account, category="verification").first()

    assert_validation_error(api.patch(f"/api/transactions/{deposit.pk}", {"category": "income"}), "category")
    account.refresh_from_db()
    assert account.balance == 0
