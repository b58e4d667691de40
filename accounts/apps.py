from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts import receivers  # noqa: F401  (connects the audit receivers)
        from accounts.audit import register_audit_actions
        from accounts.audit_actions import AUDIT_ACTIONS

        register_audit_actions(AUDIT_ACTIONS)
