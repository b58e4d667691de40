import datetime

import pytest
from django.core import signing

from banking import selectors
from banking.models import Transaction
from banking.pagination import InvalidCursor, decode_cursor
from bench.cursors import transaction_cursor_at
from tests.banking.conftest import add_transaction

D = datetime.date


@pytest.fixture
def history(owner, account):
    # Several rows share each date, so the tie-breakers matter.
    base = D.today() - datetime.timedelta(days=30)
    for i in range(47):
        add_transaction(owner, account, amount=100 + i, day=base + datetime.timedelta(days=i % 9), description=f"T{i}")
    return list(Transaction.objects.filter(user=owner).order_by("-transaction_date", "-created_at", "-id"))


def walk(user, limit, **kwargs):
    seen, cursor, pages = [], None, 0
    while True:
        page = selectors.transaction_page(user=user, cursor=cursor, limit=limit, **kwargs)
        seen += [t.pk for t in page.items]
        pages += 1
        if not page.next_cursor:
            return seen, pages
        cursor = page.next_cursor


@pytest.mark.parametrize("limit", [1, 5, 10, 49, 50])
def test_pages_cover_every_row_once_in_order(owner, history, limit):
    seen, _ = walk(owner, limit)

    assert seen == [t.pk for t in history]


def test_first_page_has_no_previous_and_last_has_no_next(owner, history):
    first = selectors.transaction_page(user=owner, limit=10)
    assert first.previous_cursor is None and first.next_cursor

    page = first
    while page.next_cursor:
        page = selectors.transaction_page(user=owner, cursor=page.next_cursor, limit=10)
    assert page.next_cursor is None and page.previous_cursor


def test_rows_added_between_pages_are_neither_skipped_nor_repeated(owner, account, history):
    first = selectors.transaction_page(user=owner, limit=10)
    # One row newer than everything (before the cursor: the next pages must not show it), one older than
    # the cursor (still ahead: the next pages must show it once).
    newer = add_transaction(owner, account, amount=1, description="new today")
    older = add_transaction(
        owner, account, amount=2, day=first.items[-1].transaction_date - datetime.timedelta(days=2), description="old"
    )

    seen, cursor = [t.pk for t in first.items], first.next_cursor
    while cursor:
        page = selectors.transaction_page(user=owner, cursor=cursor, limit=10)
        seen += [t.pk for t in page.items]
        cursor = page.next_cursor

    assert len(seen) == len(set(seen)) == len(history) + 1
    assert {t.pk for t in history} <= set(seen)
    assert older.pk in seen and newer.pk not in seen


def test_rows_deleted_between_pages_do_not_shift_the_rest(owner, history):
    first = selectors.transaction_page(user=owner, limit=10)
    Transaction.objects.filter(pk__in=[t.pk for t in history[3:6]]).delete()

    second = selectors.transaction_page(user=owner, cursor=first.next_cursor, limit=10)

    assert [t.pk for t in second.items] == [t.pk for t in history[10:20]]


def test_previous_cursor_goes_back_to_the_same_rows(owner, history):
    first = selectors.transaction_page(user=owner, limit=10)
    second = selectors.transaction_page(user=owner, cursor=first.next_cursor, limit=10)
    third = selectors.transaction_page(user=owner, cursor=second.next_cursor, limit=10)

    back = selectors.transaction_page(user=owner, cursor=third.previous_cursor, limit=10)
    back_again = selectors.transaction_page(user=owner, cursor=back.previous_cursor, limit=10)

    assert [t.pk for t in back.items] == [t.pk for t in second.items]
    assert [t.pk for t in back_again.items] == [t.pk for t in first.items]
    assert back_again.previous_cursor is None and back_again.next_cursor


def test_filters_page_too(owner, history):
    seen, _ = walk(owner, 4, filters=selectors.TransactionFilters(q="T1"))

    assert seen == [t.pk for t in history if t.description.startswith("T1")]


def test_cursor_for_a_deep_page_can_be_made_directly(owner, history):
    cursor = transaction_cursor_at(user=owner, position=20)

    page = selectors.transaction_page(user=owner, cursor=cursor, limit=10)

    assert [t.pk for t in page.items] == [t.pk for t in history[20:30]]
    assert transaction_cursor_at(user=owner, position=0) is None
    assert transaction_cursor_at(user=owner, position=10_000) is None


@pytest.mark.parametrize("cursor", ["garbage", "eyJrIjpbXX0:1abc:xyz", signing.dumps({"k": [1]}, salt="other")])
def test_bad_cursor_is_refused(owner, history, cursor):
    with pytest.raises(InvalidCursor):
        selectors.transaction_page(user=owner, cursor=cursor, limit=10)


def test_tampered_cursor_is_refused(owner, history):
    cursor = selectors.transaction_page(user=owner, limit=10).next_cursor
    payload, signature = cursor.rsplit(":", 1)

    with pytest.raises(InvalidCursor):
        decode_cursor(selectors.TRANSACTION_KEYSET, payload[:-2] + "AA:" + signature)


def test_a_page_is_one_query_however_deep(owner, history, django_assert_num_queries):
    cursor = transaction_cursor_at(user=owner, position=40)

    with django_assert_num_queries(1):
        page = selectors.transaction_page(user=owner, cursor=cursor, limit=5)

    assert len(page.items) == 5


def test_another_users_rows_never_appear(owner, outsider, history, outsider_account):
    add_transaction(outsider, outsider_account, description="not yours")

    seen, _ = walk(owner, 7)

    assert not Transaction.objects.filter(pk__in=seen, user=outsider).exists()
