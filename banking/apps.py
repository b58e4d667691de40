from django.apps import AppConfig


class BankingConfig(AppConfig):
    name = "banking"
    verbose_name = "Banking"

    def ready(self) -> None:
        from banking import signals
        from banking.crypto import get_key_ring

        signals.connect()
        # Fail at startup, naming the bad entry, rather than on the first account someone links.
        get_key_ring()
