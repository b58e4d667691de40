"""A cursor straight to "page N" of a user's history, for benchmarks and tests that need a deep page.

The pages themselves never run OFFSET; this costs one OFFSET query, once, to find where page N starts.
"""

from banking.pagination import cursor_for
from banking.selectors import TRANSACTION_KEYSET, TransactionFilters, transaction_queryset


def transaction_cursor_at(*, user, position: int, filters: TransactionFilters | None = None) -> str | None:
    """The cursor of the page whose first row is number `position` (0-based) of the history.

    `position == page_number * page_size` lands on the start of a page.
    """
    if position <= 0:
        return None
    row = (
        transaction_queryset(user=user, filters=filters)
        .order_by(*TRANSACTION_KEYSET.order_by())
        .only(*TRANSACTION_KEYSET.fields)[position - 1 : position]
        .first()
    )
    return cursor_for(TRANSACTION_KEYSET, row) if row is not None else None
