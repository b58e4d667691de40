"""E-mail alerts: each sent once per cause, however often the checks run; through the outbox, with a link
to the alert settings built from APP_URL."""

import datetime

from django.core import mail

from accounts.models import OutboundEmail
from banking import services
from banking.models import AlertSent, RecurringSeries
from banking.services import alerts
from tests.banking.conftest import add_transaction

TODAY = datetime.date.today()


def alert_mails(kind=None):
    rows = OutboundEmail.objects.filter(kind__startswith="alert_")
    return rows.filter(kind=f"alert_{kind}") if kind else rows


def test_a_budget_crossing_80_percent_mails_once_however_often_checked(owner, account):
    services.budget_create(user=owner, name="Food", category="groceries", amount=10000, start_date=TODAY.replace(day=1))
    add_transaction(owner, account, amount=8500, category="groceries")

    alerts.alerts_check_daily(user=owner)
    alerts.alerts_check_daily(user=owner)

    assert alert_mails("budget").count() == 1
    assert "Food" in alert_mails("budget").get().subject and "85%" in alert_mails("budget").get().subject


def test_crossing_80_and_100_at_once_mails_once_and_then_never_again(owner, account):
    services.budget_create(user=owner, name="Food", category="groceries", amount=10000, start_date=TODAY.replace(day=1))

    add_transaction(owner, account, amount=12000, category="groceries")
    alerts.alerts_check_daily(user=owner)

    assert alert_mails("budget").count() == 1
    assert AlertSent.objects.filter(user=owner, kind="budget").count() == 2


def test_the_mail_is_sent_by_the_outbox_with_a_link_to_the_settings(owner, account):
    services.budget_create(user=owner, name="Food", category="groceries", amount=10000, start_date=TODAY.replace(day=1))

    add_transaction(owner, account, amount=9000, category="groceries")  # the arrival check runs after commit

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [owner.email]
    assert "http://testserver/dashboard/settings/alerts" in message.body
    assert "http://testserver/dashboard/budgets/" in message.body


def test_a_large_transaction_mails_once_per_transaction(owner, account):
    services.alert_settings_update(user=owner, changes={"large_transaction_over": {"USD": 50000}})

    big = add_transaction(owner, account, amount=75000, description="Laptop")
    add_transaction(owner, account, amount=100, description="Gum")
    alerts.alerts_check_transactions(user=owner, transaction_ids=[str(big.pk)])

    assert alert_mails("large_transaction").count() == 1
    assert "Laptop" in mail.outbox[-1].body


def test_a_low_balance_mails_once_until_it_recovers(owner, account):
    services.alert_settings_update(user=owner, changes={"low_balance": [{"bank_account_id": str(account.pk),
                                                                          "below": 10000}]})  # fmt: skip
    add_transaction(owner, account, amount=100000, type="credit", description="Pay")
    add_transaction(owner, account, amount=95000, description="Rent")  # balance below 100.00
    alerts.alerts_check_daily(user=owner)
    assert alert_mails("low_balance").count() == 1

    add_transaction(owner, account, amount=50000, type="credit", description="Refund")  # recovered
    add_transaction(owner, account, amount=50000, description="Car")  # below again: a new cause

    assert alert_mails("low_balance").count() == 2


def test_a_bill_due_soon_mails_once(owner, account):
    RecurringSeries.objects.create(user=owner, bank_account=account, key="rent", merchant_name="Rent",
                                   amount=150000, currency="USD", cadence="monthly", occurrences=5,
                                   last_date=TODAY - datetime.timedelta(days=28),
                                   next_date=TODAY + datetime.timedelta(days=2), status="confirmed")  # fmt: skip

    alerts.alerts_check_daily(user=owner)
    alerts.alerts_check_daily(user=owner)

    assert alert_mails("bill").count() == 1
    assert "Rent is due in 2 days" in alert_mails("bill").get().subject


def test_the_daily_task_run_twice_mails_once(owner, account):
    from banking import tasks

    services.budget_create(user=owner, name="Food", category="groceries", amount=10000, start_date=TODAY.replace(day=1))
    services.alert_settings_update(user=owner, changes={"budget_thresholds": [200]})
    add_transaction(owner, account, amount=9000, category="groceries")
    services.alert_settings_update(user=owner, changes={"budget_thresholds": [80]})

    tasks.alerts_daily.enqueue()
    tasks.alerts_daily.enqueue()

    assert alert_mails("budget").count() == 1


def test_the_arrival_task_run_twice_mails_once(owner, account):
    from banking import tasks

    services.alert_settings_update(user=owner, changes={"large_transaction_over": {"USD": 100}})
    txn = add_transaction(owner, account, amount=5000)

    tasks.transactions_arrived.enqueue(user_id=str(owner.pk), transaction_ids=[str(txn.pk)])
    tasks.transactions_arrived.enqueue(user_id=str(owner.pk), transaction_ids=[str(txn.pk)])

    assert alert_mails("large_transaction").count() == 1


def test_no_mail_when_alerts_are_off(owner, account):
    services.alert_settings_update(user=owner, changes={"email": False, "large_transaction_over": {"USD": 100}})

    add_transaction(owner, account, amount=5000)

    assert alert_mails().count() == 0


def test_alert_settings_go_with_the_user(owner):
    from banking.models import AlertSettings

    services.alert_settings_update(user=owner, changes={"bill_due_days": 7})
    owner.delete()

    assert not AlertSettings.objects.exists()


def test_alert_settings_are_in_the_data_export(owner):
    from accounts.registry import export_sections

    services.alert_settings_update(user=owner, changes={"bill_due_days": 7})
    sections = {name: list(rows) for name, rows in export_sections(user=owner)}

    assert sections["alert_settings"][0]["bill_due_days"] == 7
    assert {c["slug"] for c in sections["categories"]} >= {"groceries", "other"}
    assert len(sections["rules"]) == 3
