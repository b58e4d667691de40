"""Create the verified demo user with a year of believable banking data (idempotent)."""

import random

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from accounts.audit import audit_log
from accounts.models import User
from accounts.services import user_create
from banking import demo, demo_samples
from banking.models import Transaction
from banking.selectors.bank_accounts import limited_account_count
from banking.services import bank_account_balances_recompute, spending_rebuild
from billing.demo import demo_subscription_ensure
from billing.selectors import bank_account_limit
from billing.services import demo_plans_ensure

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "ledgerly-demo-2025"
DEMO_NAME = "Dana Demo"
BATCH_SIZE = 5000


class Command(BaseCommand):
    help = (
        "Create (once) a verified demo user with bank accounts, a year of transactions and budgets, and the "
        f"demo plans. Defaults: {DEMO_EMAIL} / {DEMO_PASSWORD}. With --transactions N, tops the user up to at "
        "least N transactions (bulk insert, for load tests). Running it again changes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--email", default=DEMO_EMAIL, help=f"The demo user's e-mail (default {DEMO_EMAIL}).")
        parser.add_argument("--password", default=None, help=f"Password for a new demo user (default {DEMO_PASSWORD}).")
        parser.add_argument("--name", default=DEMO_NAME, help="Name for a new demo user.")
        parser.add_argument(
            "--transactions",
            type=int,
            default=None,
            metavar="N",
            help="Make sure the user has at least N transactions (a believable year, then random purchases).",
        )
        parser.add_argument("--seed", type=int, default=None, help="Random seed (default: derived from the e-mail).")

    def handle(self, *args, email: str, password: str | None, name: str, transactions: int | None, seed, verbosity,
               **options) -> None:  # fmt: skip
        if transactions is not None and transactions < 0:
            raise CommandError("--transactions must be zero or more.")
        email = email.strip().lower()
        rng = random.Random(seed if seed is not None else email)
        today = timezone.localdate()

        demo_plans_ensure()

        user = User.objects.filter(email__iexact=email).first()
        created_user = user is None
        if user is None:
            user = user_create(email=email, password=password or DEMO_PASSWORD, name=name, verified=True)

        accounts = demo.ensure_accounts(user=user, rng=rng)
        # The demo shows several bank accounts: more than the free plan links, so it is on a demo subscription.
        limit = bank_account_limit(user=user)
        demo_subscription = None
        if limit is not None and limited_account_count(user=user) > limit:
            demo_subscription = demo_subscription_ensure(user=user)
        budgets = demo.ensure_budgets(user=user, today=today)

        existing = Transaction.objects.filter(user=user).count()
        maker = demo.DemoMaker(user=user, accounts=accounts, rng=rng, today=today)
        year = list(maker.year()) if existing == 0 else []
        extra = max(0, (transactions or 0) - existing - len(year))
        total = len(year) + extra
        written = 0
        if total:
            rows = iter(year) if not extra else _chain(year, maker.random_purchases(extra))
            with tqdm(total=total, unit="txn", desc="Transactions", disable=verbosity == 0) as bar:
                written = demo.write_in_batches(rows, batch_size=BATCH_SIZE, progress=bar)
        with transaction.atomic():
            bank_account_balances_recompute(user=user)
            spending_rebuild(user=user)
            if created_user or budgets or written:
                audit_log(
                    action="demo.seeded",
                    user=user,
                    details={"transactions": written, "budgets": budgets, "accounts": len(set(accounts.values()))},
                )

        if written:
            demo.refresh_planner_statistics()
        samples = demo_samples.samples_ensure(user=user, accounts=accounts, today=today)

        self.stdout.write(
            f"{'Created' if created_user else 'Found'} {email}: {len(set(accounts.values()))} accounts, "
            f"{existing + written} transactions ({written} new), {budgets} new budgets."
        )
        if demo_subscription is not None:
            self.stdout.write(f"{email} is on a demo subscription (never billed, unknown to Polar).")
        if created_user:
            shown = password or DEMO_PASSWORD
        elif password is None and user.check_password(DEMO_PASSWORD):
            shown = DEMO_PASSWORD
        else:
            shown = "(unchanged: the password this user already had)"
        if samples:
            self.stdout.write(f"Sample bank files to try on /dashboard/imports/: {', '.join(samples)}.")
        self.stdout.write(self.style.SUCCESS(f"Demo sign-in: {email} / {shown}"))


def _chain(first, second):
    yield from first
    yield from second
