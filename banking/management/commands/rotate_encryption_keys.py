"""Re-encrypt every stored bank account identifier (account number or IBAN, whatever its scheme) and re-make
its fingerprint under the first key."""

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.db.models import Q
from tqdm import tqdm

from banking.crypto import DecryptionError, get_key_ring
from banking.identifiers import stored_identifier
from banking.models import BankAccount
from banking.services import account_number_context


class Command(BaseCommand):
    help = (
        "Re-encrypt bank account identifiers (account numbers and IBANs) and their fingerprints under the first key of "
        "BANK_DATA_ENCRYPTION_KEYS, in batches. Safe to stop and run again, and safe while the site serves: "
        "each row is swapped only if nobody changed it meanwhile. When it reports nothing left, keys after "
        "the first can be removed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="Rows read per query (default 500).")

    def handle(self, *args, batch_size: int, verbosity: int, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        ring = get_key_ring()
        current = Q(account_number_encrypted__startswith=ring.current_prefix) & Q(
            account_fingerprint__startswith=f"{ring.primary_key_id}:"
        )
        # Cash accounts have no identifier: nothing to rotate.
        todo = BankAccount.objects.exclude(account_number_encrypted="").exclude(current).order_by("pk")
        total = todo.count()
        rotated = skipped = 0
        failures: list[str] = []
        last_pk = None
        with tqdm(total=total, unit="account", desc="Rotating", disable=verbosity == 0) as bar:
            while True:
                batch_qs = todo if last_pk is None else todo.filter(pk__gt=last_pk)
                batch = list(
                    batch_qs.values_list(
                        "pk", "user_id", "scheme", "routing_number", "sort_code", "account_number_encrypted"
                    )[:batch_size]
                )
                if not batch:
                    break
                for pk, user_id, scheme, routing_number, sort_code, stored in batch:
                    context = account_number_context(pk)
                    try:
                        number = ring.decrypt(stored, context=context)
                    except DecryptionError as error:
                        failures.append(f"bank account {pk}: {error}")
                        bar.update(1)
                        continue
                    identifier = stored_identifier(
                        scheme=scheme, secret=number, routing_number=routing_number, sort_code=sort_code
                    )
                    fingerprint = ring.fingerprint(identifier.fingerprint_data(user_id))
                    try:
                        # Compare-and-swap: a row changed or removed since we read it is left for the next run.
                        with transaction.atomic():
                            changed = BankAccount.objects.filter(pk=pk, account_number_encrypted=stored).update(
                                account_number_encrypted=ring.encrypt(number, context=context),
                                account_fingerprint=fingerprint,
                            )
                    except IntegrityError:
                        failures.append(f"bank account {pk}: its owner linked the same account twice; remove one.")
                    else:
                        if changed:
                            rotated += 1
                        else:
                            skipped += 1
                    bar.update(1)
                last_pk = batch[-1][0]
        remaining = BankAccount.objects.exclude(account_number_encrypted="").exclude(current).count()
        self.stdout.write(
            f"Rotated {rotated} of {total} account number(s) to key {ring.primary_key_id}; {remaining} left "
            f"under older keys."
        )
        if skipped:
            self.stdout.write(f"{skipped} changed while rotating; run the command again to finish them.")
        if failures:
            for failure in failures:
                self.stderr.write(failure)
            raise CommandError(f"{len(failures)} account number(s) could not be rotated (see above).")
        if remaining == 0 and verbosity:
            self.stdout.write(self.style.SUCCESS("Every number is under the first key: older keys can be removed."))
