"""Recurring payments: detection over the history (in batches), confirm/dismiss, next dates, missed ones, the
dashboard's Upcoming list."""

import datetime
import random

import pytest

from banking import selectors, services
from banking.models import RecurringSeries, Transaction
from banking.services.recurring import Payment, find_series
from tests.banking.conftest import add_transaction

TODAY = datetime.date.today()


def months_ago(n: int, day: int = 5) -> datetime.date:
    total = TODAY.year * 12 + TODAY.month - 1 - n
    return datetime.date(total // 12, total % 12 + 1, day)


def monthly_bill(owner, account, *, months=6, amount=1549, merchant="Netflix"):
    for n in range(months, 0, -1):
        add_transaction(owner, account, amount=amount + (n % 2) * 20, description=f"{merchant} subscription",
                        merchant_name=merchant, day=months_ago(n))  # fmt: skip


def noise(owner, account, *, count=40, seed=7):
    rng = random.Random(seed)
    for _ in range(count):
        day = TODAY - datetime.timedelta(days=rng.randrange(1, 180))
        add_transaction(owner, account, amount=rng.randrange(300, 9000), description="Corner Store",
                        merchant_name=rng.choice(["Corner Store", "Bakery", "Taxi"]), day=day)  # fmt: skip


def test_detection_finds_a_monthly_series_in_six_months_and_ignores_noise(owner, account):
    monthly_bill(owner, account)
    noise(owner, account)

    found = services.recurring_detect(user=owner)

    series = RecurringSeries.objects.get(user=owner)
    assert found == {"created": 1, "updated": 0}
    assert (series.merchant_name, series.cadence, series.status, series.currency) == (
        "Netflix",
        "monthly",
        "suggested",
        "USD",
    )
    assert series.last_date == months_ago(1) and series.next_date == months_ago(0)
    assert 1549 <= series.amount <= 1569


def test_detection_twice_creates_nothing_new(owner, account):
    monthly_bill(owner, account)
    services.recurring_detect(user=owner)

    again = services.recurring_detect(user=owner)

    assert again == {"created": 0, "updated": 0} and RecurringSeries.objects.count() == 1


def test_a_dismissed_series_stays_dismissed(owner, account):
    monthly_bill(owner, account)
    services.recurring_detect(user=owner)
    found = RecurringSeries.objects.get(user=owner)
    services.recurring_set_status(user=owner, series=found, status="dismissed")
    add_transaction(owner, account, amount=1549, merchant_name="Netflix", description="Netflix", day=TODAY)

    services.recurring_detect(user=owner)

    assert RecurringSeries.objects.get(pk=found.pk).status == "dismissed"


@pytest.mark.parametrize(
    ("gaps", "cadence"),
    [([7, 7, 7, 7], "weekly"), ([14, 14, 14], "biweekly"), ([91, 92, 90], "quarterly"), ([365], "yearly")],
)
def test_every_cadence_is_found(gaps, cadence):
    day = datetime.date(2024, 1, 3)
    payments = [Payment(day, 1000, "Gym", "Gym")]
    for gap in gaps:
        day += datetime.timedelta(days=gap)
        payments.append(Payment(day, 1000, "Gym", "Gym"))

    assert find_series(payments).cadence == cadence


def test_amounts_far_apart_are_not_a_series():
    day = datetime.date(2024, 1, 3)
    payments = [Payment(day + datetime.timedelta(days=30 * n), amount, "Shop", "Shop")
                for n, amount in enumerate([1000, 5000, 200, 9000])]  # fmt: skip

    assert find_series(payments) is None


def test_detection_reads_the_history_in_batches(owner, account, monkeypatch):
    from banking.services import recurring

    monkeypatch.setattr(recurring, "CHUNK", 3)
    monthly_bill(owner, account)
    noise(owner, account, count=10)

    assert services.recurring_detect(user=owner)["created"] == 1


def test_a_new_payment_moves_a_confirmed_series_on(owner, account):
    monthly_bill(owner, account)
    services.recurring_detect(user=owner)
    found = RecurringSeries.objects.get(user=owner)
    services.recurring_set_status(user=owner, series=found, status="confirmed")

    add_transaction(owner, account, amount=1549, merchant_name="Netflix", description="Netflix", day=TODAY)

    found.refresh_from_db()
    assert found.last_date == TODAY and found.next_date == RecurringSeries.following(TODAY, "monthly")


def test_a_late_payment_is_flagged_missed(owner, account):
    found = RecurringSeries.objects.create(user=owner, bank_account=account, key="rent", merchant_name="Rent",
                                           amount=100000, currency="USD", cadence="monthly", occurrences=5,
                                           last_date=TODAY - datetime.timedelta(days=40),
                                           next_date=TODAY - datetime.timedelta(days=10),
                                           status="confirmed")  # fmt: skip

    upcoming = selectors.upcoming_payments(user=owner, today=TODAY)

    assert found.is_missed(TODAY) and upcoming[0].missed


def test_upcoming_lists_confirmed_payments_due_in_14_days(owner, account):
    def make(key, days, status="confirmed"):
        return RecurringSeries.objects.create(user=owner, bank_account=account, key=key, merchant_name=key,
                                              amount=1000, currency="USD", cadence="monthly", occurrences=3,
                                              last_date=TODAY - datetime.timedelta(days=30),
                                              next_date=TODAY + datetime.timedelta(days=days),
                                              status=status)  # fmt: skip

    make("soon", 3)
    make("later", 20)
    make("unconfirmed", 2, status="suggested")

    assert [u.series.key for u in selectors.upcoming_payments(user=owner)] == ["soon"]


def test_following_keeps_the_day_of_the_month():
    assert RecurringSeries.following(datetime.date(2025, 1, 31), "monthly") == datetime.date(2025, 2, 28)
    assert RecurringSeries.following(datetime.date(2025, 11, 15), "quarterly") == datetime.date(2026, 2, 15)


def test_confirming_moves_the_dashboards_version(owner, account):
    from accounts.models import User

    monthly_bill(owner, account)
    services.recurring_detect(user=owner)
    before = User.objects.get(pk=owner.pk).data_version

    services.recurring_set_status(user=owner, series=RecurringSeries.objects.get(user=owner), status="confirmed")

    assert User.objects.get(pk=owner.pk).data_version > before


def test_the_dashboard_shows_upcoming_payments(owner, owner_client, account):
    RecurringSeries.objects.create(user=owner, bank_account=account, key="spotify", merchant_name="Spotify",
                                   amount=1199, currency="USD", cadence="monthly", occurrences=4,
                                   last_date=TODAY - datetime.timedelta(days=28),
                                   next_date=TODAY + datetime.timedelta(days=2), status="confirmed")  # fmt: skip

    page = owner_client.get("/dashboard/").content.decode()

    assert "Upcoming" in page and "Spotify" in page and "Due in 2 days" in page


def test_verification_deposits_and_transfers_are_not_series(owner, account, second_account):
    for n in range(4, 0, -1):
        services.transfer_create(user=owner, from_account=account, to_account=second_account, amount=5000,
                                 transaction_date=months_ago(n))  # fmt: skip

    services.recurring_detect(user=owner)

    assert not RecurringSeries.objects.filter(user=owner).exists()
    assert Transaction.objects.filter(user=owner, type="transfer").count() == 8
