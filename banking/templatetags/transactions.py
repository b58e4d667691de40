"""`{% transaction_table transactions show_account=True show_actions=True %}`: the history table.

Rendered in Python rather than with a template loop: it is the hottest markup on the site (50 rows a
page, several fields and filters per row), and Django's template engine made it most of a page's cost.
What repeats down a page (a date, an account's cell, a category's name) is formatted once per table.
Every value from the database is escaped (`html.escape`, what Django's `escape` calls, without its lazy-
string wrapper). On a phone the table stacks each row into a card (class `stack`, static/css/app.css):
description and amount on top, date and the rest below.
"""

from html import escape

from django import template
from django.utils.dateformat import format as format_date
from django.utils.formats import get_format
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


class _Table:
    """One table's rows, with the cells that repeat down a page formatted once."""

    def __init__(self, *, show_account: bool, show_actions: bool) -> None:
        self.show_account = show_account
        self.show_actions = show_actions
        self.date_format = get_format("DATE_FORMAT")  # the site's one date format (saas/formats)
        self.dates: dict = {}
        self.accounts: dict = {}
        self.categories: dict = {}

    def date_cell(self, day) -> str:
        cell = self.dates.get(day)
        if cell is None:
            cell = self.dates[day] = f'<td class="nowrap cell-date">{format_date(day, self.date_format)}</td>'
        return cell

    def account_cell(self, txn) -> str:
        cell = self.accounts.get(txn.bank_account_id)
        if cell is None:
            account = txn.bank_account
            last4 = f' <small class="muted nowrap">····{escape(account.last4)}</small>' if account.last4 else ""
            cell = self.accounts[txn.bank_account_id] = (
                f'<td class="cell-meta"><a href="/dashboard/accounts/{txn.bank_account_id}/">'
                f"{escape(str(account.display_name))}</a>{last4}</td>"
            )
        return cell

    def category_cell(self, txn) -> str:
        name = str(getattr(txn, "category_name", None) or DEFAULT_NAMES.get(txn.category, txn.category))
        cell = self.categories.get(name)
        if cell is None:
            cell = self.categories[name] = f'<td class="cell-meta">{escape(name)}</td>'
        return cell

    def row(self, txn) -> str:
        description = escape(txn.description)
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
        amount = escape(format_money(txn.signed_amount, txn.currency, signed=True))
        cells = [
            "<tr>",
            self.date_cell(txn.transaction_date),
            f'<td class="cell-main">{detail}</td>',
            self.account_cell(txn) if self.show_account else "",
            self.category_cell(txn),
            f'<td class="num cell-amount {_amount_class(txn)}">{amount}</td>',
        ]
        if self.show_actions:
            cells.append(
                f'<td class="nowrap cell-actions"><a href="/dashboard/transactions/{txn.pk}/edit" '
                f'aria-label="Edit {description}">Edit</a></td>'
            )
        cells.append("</tr>")
        return "".join(cells)


@register.simple_tag
def transaction_table(transactions, show_account: bool = False, show_actions: bool = False) -> SafeString:
    head = ['<th scope="col">Date</th>', '<th scope="col">Description</th>']
    if show_account:
        head.append('<th scope="col">Account</th>')
    head += ['<th scope="col">Category</th>', '<th scope="col" class="num">Amount</th>']
    if show_actions:
        head.append('<th scope="col"><span class="visually-hidden">Actions</span></th>')
    table = _Table(show_account=show_account, show_actions=show_actions)
    rows = "".join(table.row(txn) for txn in transactions)
    return mark_safe(  # noqa: S308 - every database value above is escaped
        '<div class="table-wrap"><table class="striped stack transactions">'
        f"<thead><tr>{''.join(head)}</tr></thead><tbody>{rows}</tbody></table></div>"
    )
