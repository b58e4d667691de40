"""Pull subscriptions from Polar for every user (or one) and apply them like webhooks do."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.models import User
from billing import polar, services


class Command(BaseCommand):
    help = (
        "Ask Polar for each user's subscriptions (by external_customer_id = the user's id) and apply them "
        "through the webhook's code: an older state never overwrites a newer one, so running it twice is safe."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", help="Only this user.")

    def handle(self, *args, email: str | None, **options):
        try:
            client = polar.get_client()
        except polar.PolarNotConfigured as error:
            raise CommandError(error.message) from None
        users = User.objects.filter(is_active=True).order_by("created_at", "pk")
        if email:
            users = users.filter(email__iexact=email.strip())
            if not users.exists():
                raise CommandError(f"No active user has the e-mail address {email!r}.")
        total = users.count()
        synced, failed = 0, []
        for user in tqdm(users.iterator(chunk_size=200), total=total, desc="Users", unit="user", disable=None):
            try:
                synced += services.subscriptions_sync_for_user(user=user, client=client)
            except polar.PolarError as error:
                failed.append(f"{user.email}: {error.message}")
        self.stdout.write(f"Synced {synced} subscription(s) for {total - len(failed)} of {total} user(s).")
        if failed:
            for line in failed:
                self.stderr.write(f"failed: {line}")
            raise CommandError(f"{len(failed)} user(s) could not be synced; run it again later.")
