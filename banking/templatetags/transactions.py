"""`{% transaction_table transactions show_account=True show_actions=True %}`: the history table.

Rendered in Python rather than with a template loop: it is the hottest markup on the site (50 rows a
page, several fields and filters per row), and Django's template engine made it most of a page's cost.
Every value from the database goes through `escape`. On a phone the table stacks each row into a card
(class `stack`, static/css/app.css): description and amount on top, date and the rest below.
"""

from django import template
from django.utils.dateformat import format as format_date
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from banking.models.categories import DEFAULT_NAMES
from banking.money import format_money

register = template.Library()

_STATUS_BADGES = {
    "pending": ' <small class="badge badge-warning">Pending</small>',
    "failed": ' <small class="badge badge-danger">Failed</small>',
}


def _amount_class(txn) -> str:
    if txn.status == "failed" or txn.category == "verification":
        return "muted"
    if not txn.signed_amount:
        return ""
    return "positive" if txn.signed_amount > 0 else "negative"


def rate_text(txn) -> str:
    """The rate a transfer between currencies implied: "1 USD = 0.92 EUR" (the same on both legs)."""
    rate = txn.rate
    if rate is None:
        return ""
    sent_in, received_in, value = rate
    return f"1 {sent_in} = {value:.6g} {received_in}"


def _row(txn, *, show_account: bool, show_actions: bool, date_format: str) -> str:
    description = escape(txn.description)
    cells = [f'<td class="nowrap cell-date">{format_date(txn.transaction_date, date_format)}</td>']
    detail = f'<span class="txn-description">{description}</span>'
    if txn.merchant_name and txn.merchant_name != txn.description:
        detail += f'<br><small class="muted">{escape(txn.merchant_name)}</small>'
    if txn.type == "transfer":
        detail += ' <small class="badge">Transfer</small>'
    if txn.category == "verification":
        detail += ' <small class="badge">Not counted</small>'
    if txn.counter_amount is not None:
        detail += f'<br><small class="muted txn-rate">{escape(rate_text(txn))}</small>'
    detail += _STATUS_BADGES.get(txn.status, "")
    cells.append(f'<td class="cell-main">{detail}</td>')
    if show_account:
        account = txn.bank_account
        last4 = f' <small class="muted nowrap">····{escape(account.last4)}</small>' if account.last4 else ""
        cells.append(
            f'<td class="cell-meta"><a href="/dashboard/accounts/{txn.bank_account_id}/">'
            f"{escape(account.display_name)}</a>{last4}</td>"
        )
    category = getattr(txn, "category_name", None) or DEFAULT_NAMES.get(txn.category, txn.category)
    cells.append(f'<td class="cell-meta">{escape(category)}</td>')
    amount = escape(format_money(txn.signed_amount, txn.currency, signed=True))
    cells.append(f'<td class="num cell-amount {_amount_class(txn)}">{amount}</td>')
    if show_actions:
        cells.append(
            f'<td class="nowrap cell-actions"><a href="/dashboard/transactions/{txn.pk}/edit" '
            f'aria-label="Edit {description}">Edit</a></td>'
        )
    return "<tr>" + "".join(cells) + "</tr>"


@register.simple_tag
def transaction_table(transactions, show_account: bool = False, show_actions: bool = False) -> SafeString:
    head = ['<th scope="col">Date</th>', '<th scope="col">Description</th>']
    if show_account:
        head.append('<th scope="col">Account</th>')
    head += ['<th scope="col">Category</th>', '<th scope="col" class="num">Amount</th>']
    if show_actions:
        head.append('<th scope="col"><span class="visually-hidden">Actions</span></th>')
    date_format = get_format("DATE_FORMAT")  # the site's one date format (saas/formats), looked up once a table
    rows = "".join(
        _row(txn, show_account=show_account, show_actions=show_actions, date_format=date_format) for txn in transactions
    )
    return mark_safe(  # noqa: S308 - every database value above is escaped
        '<div class="table-wrap"><table class="striped stack transactions">'
        f"<thead><tr>{''.join(head)}</tr></thead><tbody>{rows}</tbody></table></div>"
    )
