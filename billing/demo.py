"""The demo user's subscription (`seed_demo`): so the demo's accounts fit its plan, and the pages say it is a demo.

The demo has more bank accounts than the free plan allows. Rather than show "4 of 1 on your plan", `seed_demo`
gives a demo user who is over their plan's limit a demo subscription to the most generous plan. It is a row like
Polar's with an id of our own (`demo_...`): never billed, skipped by the reconciliation with Polar, shown as a
demo on every page that shows a subscription, and no reason to keep the account from being deleted.
"""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import user_data_changed
from billing.models import DEMO_SUBSCRIPTION_PREFIX, Plan, Subscription
from billing.selectors import user_active_subscription


def demo_plan() -> Plan | None:
    """The most generous active plan: no account limit first, then the highest limit."""
    plans = list(Plan.objects.filter(is_active=True))
    return max(
        plans, key=lambda p: (p.max_bank_accounts is None, p.max_bank_accounts or 0, -p.sort_order), default=None
    )


def demo_subscription_ensure(*, user: User) -> Subscription | None:
    """The user's demo subscription, made once; None when they have a real one or there is no plan."""
    current = user_active_subscription(user=user)
    if current is not None and not current.is_demo:
        return None
    if current is not None:
        return current
    plan = demo_plan()
    if plan is None:
        return None
    now = timezone.now()
    subscription = Subscription(
        id=f"{DEMO_SUBSCRIPTION_PREFIX}{user.pk.hex}",
        user=user,
        created_at=now,
        started_at=now,
        amount=plan.price_amount,
        currency=plan.currency,
        recurring_interval=plan.interval,
        status=Subscription.Status.ACTIVE,
        current_period_start=now,
        customer_id=f"{DEMO_SUBSCRIPTION_PREFIX}customer",
        product_id=plan.polar_product_id,
    )
    subscription.full_clean()
    with transaction.atomic():
        subscription.save(force_insert=True)
        user_data_changed(user.pk)  # the dashboard shows the plan
    return subscription
