from django.apps import AppConfig


class BankingConfig(AppConfig):
    name = "banking"
    verbose_name = "Banking"

    def ready(self) -> None:
        from accounts.audit import register_audit_actions
        from banking.audit_actions import AUDIT_ACTIONS, object_names

        register_audit_actions(AUDIT_ACTIONS, names=object_names)

        # Fail at startup, naming the bad entry, rather than on the first account someone links.
        from banking.crypto import get_key_ring

        get_key_ring()
