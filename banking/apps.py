from django.apps import AppConfig


class BankingConfig(AppConfig):
    name = "banking"
    verbose_name = "Banking"

    def ready(self) -> None:
        from accounts.audit import register_audit_actions
        from banking import signals
        from banking.audit_actions import AUDIT_ACTIONS, object_names
        from banking.crypto import get_key_ring

        register_audit_actions(AUDIT_ACTIONS, names=object_names)
        signals.connect()
        # Fail at startup, naming the bad entry, rather than on the first account someone links.
        get_key_ring()

        from accounts.registry import register_deletion_hook, register_export_sections
        from banking.selectors import export_sections
        from banking.services.imports import import_files_delete

        register_export_sections(export_sections)
        register_deletion_hook(import_files_delete)
