from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    # allauth's `account` app is "Accounts" in the admin; ours holds users, their tokens, audit and e-mails.
    verbose_name = "Users and security"

    def ready(self) -> None:
        from accounts import receivers  # noqa: F401  (connects the audit receivers)
        from accounts.audit import register_audit_actions
        from accounts.audit_actions import AUDIT_ACTIONS

        register_audit_actions(AUDIT_ACTIONS)
