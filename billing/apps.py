from django.apps import AppConfig
from django.urls import reverse

from accounts.registry import (
    DeletionBlock,
    register_deletion_blocker,
    register_deletion_hook,
    register_export_sections,
)


def active_subscription_blocks_deletion(*, user) -> DeletionBlock | None:
    """A subscriber cancels first, so Polar never charges for an account that no longer exists (a demo
    subscription is never charged)."""
    from billing.models import DEMO_SUBSCRIPTION_PREFIX, Subscription

    paid = Subscription.objects.filter(user=user, status__in=Subscription.ENTITLED_STATUSES)
    if not paid.exclude(id__startswith=DEMO_SUBSCRIPTION_PREFIX).exists():
        return None
    return DeletionBlock(
        explanation=(
            "You have an active subscription. Cancel it in the customer portal first, so you are not charged "
            "again; then come back here to delete the account."
        ),
        refusal="Cancel your subscription in the customer portal first, then delete the account.",
        action_url=reverse("billing_portal"),
        action_label="Cancel the subscription in the customer portal",
    )


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from accounts.audit import register_audit_actions
        from billing import signals
        from billing.audit_actions import AUDIT_ACTIONS, plan_names
        from billing.deletion import billing_data_delete
        from billing.selectors import export_sections

        signals.connect()
        register_audit_actions(AUDIT_ACTIONS, names=plan_names)
        register_export_sections(export_sections)
        register_deletion_blocker(active_subscription_blocks_deletion)
        register_deletion_hook(billing_data_delete)
