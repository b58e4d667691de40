from django.apps import AppConfig


class BankingConfig(AppConfig):
    name = "banking"
    verbose_name = "Banking"

    def ready(self) -> None:
        # Fail at startup, naming the bad entry, rather than on the first account someone links.
        from banking.crypto import get_key_ring

        get_key_ring()

        from accounts.registry import register_export_sections
        from banking.selectors import export_sections

        register_export_sections(export_sections)
