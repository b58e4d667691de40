"""Duplicates as INTERFACE says: by bank reference, else (date, amount, description) as multisets."""

import datetime

import pytest

from banking import services
from banking.models import Import, Transaction
from tests.banking.conftest import add_transaction, make_account
from tests.banking.import_helpers import commit, import_via_service, media, rows_of  # noqa: F401

pytestmark = pytest.mark.django_db

MAPPING = {"date": "Date", "description": "Description", "amount": "Amount", "date_format": "%Y-%m-%d"}


def csv(*lines: str) -> bytes:
    return ("Date,Description,Amount\n" + "\n".join(lines) + "\n").encode()


@pytest.fixture
def account(owner):
    return make_account(owner, nickname="Everyday")


def _import(owner, account, content, mapping=MAPPING):
    return import_via_service(owner, account, "statement.csv", content=content, mapping=mapping)


def test_the_same_file_twice_adds_nothing(owner, account):
    commit(owner, import_via_service(owner, account, "ofx102_checking.ofx"))

    again = import_via_service(owner, account, "ofx102_checking.ofx")

    assert (again.rows_new, again.rows_duplicate) == (0, 7)
    assert all(r.by_reference for r in rows_of(again))


def test_the_same_csv_twice_adds_nothing(owner, account):
    content = csv("2025-03-01,Coffee,-3.50", "2025-03-01,Coffee,-3.50", "2025-03-02,Rent,-900.00")
    commit(owner, _import(owner, account, content))

    again = commit(owner, _import(owner, account, content))

    assert (again.rows_new, again.rows_duplicate) == (0, 3)
    assert Transaction.objects.filter(bank_account=account, description__in=["Coffee", "Rent"]).count() == 3


def test_overlapping_statements_add_only_the_missing_rows(owner, account):
    march = ["2025-03-05,Grocer,-40.00", "2025-03-20,Grocer,-40.00"]
    april = ["2025-04-02,Gym,-30.00", "2025-04-02,Gym,-30.00"]
    commit(owner, _import(owner, account, csv(*march)))

    both = commit(owner, _import(owner, account, csv(*march, *april)))

    assert (both.rows_new, both.rows_duplicate) == (2, 2)
    assert [r.status for r in rows_of(both)] == ["duplicate", "duplicate", "new", "new"]


def test_two_identical_purchases_in_one_file_both_import(owner, account):
    imp = _import(owner, account, csv("2025-03-01,Coffee,-3.50", "2025-03-01,Coffee,-3.50"))

    assert imp.rows_new == 2


def test_n_identical_rows_against_m_stored_give_n_minus_m_new(owner, account):
    for _ in range(2):
        add_transaction(owner, account, amount=350, day=datetime.date(2025, 3, 1), description="Coffee")

    imp = _import(owner, account, csv(*["2025-03-01,Coffee,-3.50"] * 3))

    assert (imp.rows_new, imp.rows_duplicate) == (1, 2)


def test_a_row_typed_by_hand_is_matched_ignoring_case_and_punctuation(owner, account):
    typed = add_transaction(owner, account, amount=6430, day=datetime.date(2025, 3, 4), description="Trader Joe's")

    imp = _import(owner, account, csv("2025-03-04,TRADER JOES,-64.30"))

    (row,) = rows_of(imp)
    assert row.status == "duplicate" and row.duplicate_of == typed.pk


def test_a_money_in_row_does_not_match_money_out(owner, account):
    add_transaction(owner, account, amount=350, day=datetime.date(2025, 3, 1), description="Coffee")

    imp = _import(owner, account, csv("2025-03-01,Coffee,3.50"))

    assert imp.rows_new == 1


def test_a_row_with_a_reference_matches_a_typed_row_without_one(owner, account):
    add_transaction(owner, account, amount=6430, day=datetime.date(2025, 3, 3), description="TRADER JOE'S #552")

    imp = import_via_service(owner, account, "ofx102_checking.ofx")

    assert imp.rows_duplicate == 1 and imp.rows_new == 6


def test_a_repeated_reference_in_one_file_is_a_duplicate_of_its_first_row(owner, account):
    content = b"Date,Description,Amount,Id\n2025-03-01,Coffee,-3.50,A1\n2025-03-01,Coffee,-3.50,A1\n"
    mapping = {**MAPPING, "external_id": "Id"}
    imp = _import(owner, account, content, mapping)

    first, second = rows_of(imp)
    assert first.status == "new" and second.status == "duplicate" and "Row 2" in second.message


def test_a_duplicate_flipped_to_new_is_imported(owner, account):
    add_transaction(owner, account, amount=350, day=datetime.date(2025, 3, 1), description="Coffee")
    imp = _import(owner, account, csv("2025-03-01,Coffee,-3.50"))

    services.import_row_flip(user=owner, imp=imp, row=2, to_new=True)
    imp = commit(owner, imp)

    assert imp.rows_new == 1
    assert Transaction.objects.filter(bank_account=account, description="Coffee").count() == 2


def test_a_duplicate_by_reference_cannot_be_flipped(owner, account):
    commit(owner, import_via_service(owner, account, "ofx102_checking.ofx"))
    again = import_via_service(owner, account, "ofx102_checking.ofx")

    with pytest.raises(Exception, match="same one"):
        services.import_row_flip(user=owner, imp=again, row=1, to_new=True)


def test_two_previews_of_one_file_committed_one_after_the_other_add_it_once(owner, account):
    content = csv("2025-03-01,Coffee,-3.50", "2025-03-02,Rent,-900.00")
    first, second = _import(owner, account, content), _import(owner, account, content)

    commit(owner, first)
    second = commit(owner, second)

    assert second.status == Import.Status.COMPLETED and second.rows_new == 0
    assert Transaction.objects.filter(bank_account=account, description__in=["Coffee", "Rent"]).count() == 2


def test_matching_reads_the_history_in_windows(owner, account, monkeypatch):
    from banking.services import import_dedupe

    monkeypatch.setattr(import_dedupe, "WINDOW_ROWS", 2)
    days = [f"2025-03-{d:02d},Shop,-1.00" for d in range(1, 11)]
    commit(owner, _import(owner, account, csv(*days[:6])))

    imp = _import(owner, account, csv(*days))

    assert (imp.rows_new, imp.rows_duplicate) == (4, 6)


def test_a_flipped_duplicate_and_its_twin_both_import(owner, account):
    add_transaction(owner, account, amount=350, day=datetime.date(2025, 3, 1), description="Coffee")
    imp = _import(owner, account, csv("2025-03-01,Coffee,-3.50", "2025-03-01,Coffee,-3.50"))
    assert [r.status for r in rows_of(imp)] == ["duplicate", "new"]

    services.import_row_flip(user=owner, imp=imp, row=2, to_new=True)
    commit(owner, imp)

    assert Transaction.objects.filter(bank_account=account, description="Coffee").count() == 3


def test_the_users_rules_sort_imported_transactions(owner, account):
    services.rule_create(
        user=owner,
        name="Coffee",
        conditions=[{"field": "description", "op": "contains", "value": "blue bottle"}],
        actions={"category": "dining"},
    )
    imp = _import(owner, account, csv("2026-11-02,POS 4411 SQ *BLUE BOTTLE COF,-4.50", "2026-11-03,Rent,-1200.00"))

    commit(owner, imp)

    coffee = Transaction.objects.get(bank_import=imp, description__contains="BLUE BOTTLE")
    rent = Transaction.objects.get(bank_import=imp, description="Rent")
    # The default rules clean the card processor's noise off the merchant; the user's rule files it.
    assert (coffee.category, coffee.merchant_name) == ("dining", "BLUE BOTTLE COF")
    assert rent.category == "other"
