"""Print a new random key for BANK_DATA_ENCRYPTION_KEYS."""

from django.core.management.base import BaseCommand

from banking.crypto import generate_key


class Command(BaseCommand):
    help = (
        "Print a new base64 AES-256 key for BANK_DATA_ENCRYPTION_KEYS. To rotate, put it first in the list "
        "(keep the old keys after it), deploy, then run `rotate_encryption_keys`. Before any key exists (production "
        "settings refuse to start without one), `python -m banking.crypto` prints one too."
    )

    def handle(self, *args, **options) -> None:
        self.stdout.write(generate_key())
