from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from accounts.audit import register_audit_actions
        from billing.audit_actions import AUDIT_ACTIONS, plan_names

        register_audit_actions(AUDIT_ACTIONS, names=plan_names)
