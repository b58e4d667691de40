"""The insights API, for subscribers: spending grouped by category, month or merchant, cash flow per month,
net worth per currency over time. Anyone else who signs in (session or token) gets 402
`subscription_required`, before their query is even read; bad input is a 400 naming the parameter.
"""

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router

from accounts.http import AuthenticatedHttpRequest
from banking import schemas_insights as schemas
from banking.selectors import insights
from banking.selectors.bank_accounts import bank_account_list
from billing.selectors import user_is_subscribed
from saas.api import ApiError, SessionAuth, TokenAuth
from saas.schemas import errors

SUBSCRIBE = "Insights are part of the paid plans: choose a plan at /pricing."


class SubscriberToken(TokenAuth):
    """A personal API token whose owner is subscribed."""

    def __call__(self, request: HttpRequest):
        return _subscribed(request, super().__call__(request))


class SubscriberSession(SessionAuth):
    """A signed-in browser whose user is subscribed."""

    def __call__(self, request: HttpRequest):
        return _subscribed(request, super().__call__(request))


def _subscribed(request: HttpRequest, auth):
    if auth and not user_is_subscribed(user=request.user):
        raise ApiError("subscription_required", SUBSCRIBE)
    return auth


router = Router(tags=["insights"], auth=[SubscriberToken(), SubscriberSession()], by_alias=True)


@router.get("/insights/spending", response={200: schemas.SpendingOut, **errors(400, 402)})
def spending(request: AuthenticatedHttpRequest, query: Query[schemas.SpendingQuery]):
    """Spending between `from` and `to` (both included, at most ten years) in one currency, grouped by
    `category` (the default) or `merchant`, biggest first, or by `month`, in order. Refunds lower their
    category's spending; transfers between your accounts and verification deposits are not spending."""
    period = insights.InsightsPeriod.from_dates(start=query.date_from, end=query.date_to, today=timezone.localdate())
    currency = insights.insights_currency(
        query.currency, insights.insights_currencies(bank_account_list(user=request.user))
    )
    rows = insights.spending_rows(
        user=request.user, period=period, group_by=query.group_by or "category", currency=currency
    )
    return {
        "currency": currency,
        "from": period.start,
        "to": period.end,
        "rows": [{"key": r.key, "label": r.label, "amount": r.amount} for r in rows],
        "total": sum(r.amount for r in rows),
    }


@router.get("/insights/cashflow", response={200: schemas.CashflowOut, **errors(400, 402)})
def cashflow(request: AuthenticatedHttpRequest, query: Query[schemas.CashflowQuery]):
    """Income, expenses and net per month for the last `months` months (this one included) in one currency.
    Income is what income categories received; transfers between your accounts count as neither."""
    period = insights.InsightsPeriod.last_months(months=_months(query.months), today=timezone.localdate())
    currency = insights.insights_currency(
        query.currency, insights.insights_currencies(bank_account_list(user=request.user))
    )
    months = insights.cashflow(user=request.user, period=period, currency=currency)
    return {
        "currency": currency,
        "months": [{"month": m.key, "income": m.income, "expenses": m.expenses, "net": m.net} for m in months],
    }


@router.get("/insights/net-worth", response={200: schemas.NetWorthOut, **errors(400, 402)})
def net_worth(request: AuthenticatedHttpRequest, query: Query[schemas.NetWorthQuery]):
    """Per currency, assets minus debts at the end of each of the last `months` months (the last point is
    today): opening balances plus the completed transactions the balances count."""
    period = insights.InsightsPeriod.last_months(months=_months(query.months), today=timezone.localdate())
    series = insights.net_worth(user=request.user, period=period)
    return {
        "series": [
            {"currency": currency, "points": [{"date": p.date, "balance": p.balance} for p in points]}
            for currency, points in series.items()
        ]
    }


def _months(months: int | None) -> int:
    return 12 if months is None else months
