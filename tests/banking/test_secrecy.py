"""The plaintext account number appears in no table, log line, SQL statement, page, admin page or API answer."""

import logging

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from banking.models import BankAccount
from tests.banking.conftest import ROUTING

NUMBER = "482915736104"  # never a substring of anything else in these tests


def all_rows_text() -> str:
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                chunks.append(" ".join(str(v) for v in row))
    return "\n".join(chunks)


@pytest.fixture
def staff_client(staff):
    client = Client()
    client.force_login(staff)
    return client


def test_account_number_never_leaves_in_plaintext(owner, owner_client, api_client, staff_client, caplog):
    caplog.set_level(logging.DEBUG)
    responses = []
    with CaptureQueriesContext(connection) as queries:
        responses.append(
            owner_client.post(
                "/dashboard/accounts/new",
                {
                    "bank_name": "Harbor",
                    "account_type": "checking",
                    "routing_number": ROUTING,
                    "account_number": NUMBER,
                    "currency": "USD",
                },
            )
        )
        account = BankAccount.objects.get(user=owner)
        # A second try answers "already linked" (and, over the limit, the upgrade prompt) without echoing it.
        responses.append(
            api_client.post(
                "/api/bank-accounts",
                {
                    "account_number": NUMBER,
                    "routing_number": ROUTING,
                    "bank_name": "Harbor",
                    "account_type": "checking",
                },
                content_type="application/json",
                headers={"X-CSRFToken": api_client.cookies["csrftoken"].value},
            )
        )
        for path in [
            "/dashboard/",
            "/dashboard/accounts/",
            f"/dashboard/accounts/{account.pk}/",
            f"/dashboard/accounts/{account.pk}/verify",
            "/dashboard/transactions/",
            f"/dashboard/transactions/?account={account.pk}",
        ]:
            responses.append(owner_client.get(path))
        for path in ["/api/bank-accounts", f"/api/bank-accounts/{account.pk}", "/api/transactions"]:
            responses.append(api_client.get(path))
        for path in [
            "/admin/banking/bankaccount/",
            f"/admin/banking/bankaccount/{account.pk}/change/",
            "/admin/banking/transaction/",
            f"/admin/banking/bankaccount/?q={account.last4}",
        ]:
            responses.append(staff_client.get(path))

    for response in responses:
        assert response.status_code in (200, 302, 402, 409), (response.status_code, response.content[:200])
        assert NUMBER not in response.content.decode()
    assert any(r.status_code == 200 and b"1012" not in r.content and b"6104" in r.content for r in responses)
    assert NUMBER not in all_rows_text()
    assert not any(NUMBER in q["sql"] for q in queries.captured_queries)
    assert NUMBER not in caplog.text
    assert all(NUMBER not in str(getattr(record, "args", "")) for record in caplog.records)


def test_admin_never_loads_the_ciphertext(staff_client, account):
    with CaptureQueriesContext(connection) as queries:
        listing = staff_client.get("/admin/banking/bankaccount/")
        detail = staff_client.get(f"/admin/banking/bankaccount/{account.pk}/change/")

    assert listing.status_code == detail.status_code == 200
    assert "•••• 1012" in listing.content.decode()
    assert "account_number_encrypted" not in detail.content.decode()
    assert account.account_number_encrypted not in detail.content.decode()
    account_selects = [q["sql"] for q in queries.captured_queries if 'FROM "banking_bankaccount"' in q["sql"]]
    assert account_selects and not any("account_number_encrypted" in sql for sql in account_selects)


def test_export_sections_carry_no_full_number(owner, account):
    from banking.selectors import export_sections

    sections = {name: list(rows) for name, rows in export_sections(user=owner)}

    assert set(sections) == {"bank_accounts", "transactions", "budgets", "categories", "rules", "recurring",
                             "alert_settings"}  # fmt: skip
    assert sections["bank_accounts"][0]["last4"] == "1012"
    assert "987654321012" not in str(sections)
    assert all("account_number" not in row for row in sections["bank_accounts"])


IBAN = "GB33BUKB20201555555555"  # a valid IBAN whose account part appears nowhere else
UK_NUMBER = "73914682"


@pytest.mark.parametrize(
    ("form", "secrets"),
    [
        ({"scheme": "iban", "iban": "GB33 BUKB 2020 1555 5555 55", "bic": "BUKBGB22"}, [IBAN, "20201555555555"]),
        ({"scheme": "uk", "sort_code": "40-47-84", "account_number": UK_NUMBER}, [UK_NUMBER]),
    ],
    ids=["iban", "uk"],
)
def test_ibans_and_uk_numbers_never_leave_in_plaintext(
    owner, owner_client, api_client, staff_client, caplog, form, secrets
):
    caplog.set_level(logging.DEBUG)
    responses = []
    with CaptureQueriesContext(connection) as queries:
        responses.append(
            owner_client.post("/dashboard/accounts/new", {"bank_name": "Barclays", "account_type": "savings", **form})
        )
        account = BankAccount.objects.get(user=owner)
        detail = f"/dashboard/accounts/{account.pk}/"
        paths = [
            "/dashboard/",
            "/dashboard/accounts/",
            detail,
            f"{detail}edit",
            f"/dashboard/transactions/?account={account.pk}",
        ]
        responses += [owner_client.get(path) for path in paths]
        responses += [api_client.get(path) for path in ["/api/bank-accounts", f"/api/bank-accounts/{account.pk}"]]
        responses += [
            staff_client.get(path)
            for path in ["/admin/banking/bankaccount/", f"/admin/banking/bankaccount/{account.pk}/change/"]
        ]

    assert responses[0].status_code == 302, responses[0].content[:500]
    rows = all_rows_text()
    for secret in secrets:
        for response in responses:
            assert secret not in response.content.decode()
        assert secret not in rows
        assert not any(secret in q["sql"] for q in queries.captured_queries)
        assert secret not in caplog.text
    assert any(account.last4.encode() in r.content for r in responses[1:])
