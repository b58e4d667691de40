"""Believable demo data: accounts, a year of transactions with merchants and categories, budgets.

Used by `seed_demo`. Rows are made in memory in batches and written with `bulk_create`, so hundreds of
thousands of transactions load quickly in flat memory; balances are recomputed once at the end.
"""

import datetime
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from banking import crypto
from banking.identifiers import Identifier, Scheme
from banking.models import BankAccount, Budget, DailyFlow, DailySpending, DefaultCategory, Transaction
from banking.services import account_number_context
from saas.db import field_column

DAYS = 365


@dataclass(frozen=True)
class DemoAccount:
    key: str
    bank_name: str
    nickname: str
    account_type: str
    currency: str
    routing_number: str


DEMO_ACCOUNTS = [
    DemoAccount("checking", "Harbor National Bank", "Everyday Checking", "checking", "USD", "021000021"),
    DemoAccount("savings", "Harbor National Bank", "Rainy Day Savings", "savings", "USD", "021000021"),
    DemoAccount("credit", "Summit Card Services", "Rewards Card", "credit", "USD", "026009593"),
    DemoAccount("euro", "Banque Lumière", "Euro Travel Account", "checking", "EUR", "011000015"),
]

# (category, merchant, low, high in minor units, account key, weight)
PURCHASES = [
    (DefaultCategory.GROCERIES, "Whole Foods Market", 2500, 16000, "checking", 6),
    (DefaultCategory.GROCERIES, "Trader Joe's", 1800, 9500, "checking", 7),
    (DefaultCategory.GROCERIES, "Safeway", 1200, 8000, "checking", 4),
    (DefaultCategory.GROCERIES, "Costco Wholesale", 6000, 24000, "credit", 2),
    (DefaultCategory.DINING, "Starbucks", 450, 1150, "credit", 9),
    (DefaultCategory.DINING, "Blue Bottle Coffee", 500, 1400, "credit", 4),
    (DefaultCategory.DINING, "Chipotle", 1100, 1900, "credit", 5),
    (DefaultCategory.DINING, "Sweetgreen", 1250, 1800, "credit", 4),
    (DefaultCategory.DINING, "Luigi's Trattoria", 4200, 11000, "credit", 2),
    (DefaultCategory.DINING, "DoorDash", 2200, 5200, "credit", 3),
    (DefaultCategory.TRANSPORT, "Uber", 1200, 3800, "credit", 4),
    (DefaultCategory.TRANSPORT, "Lyft", 1100, 3200, "credit", 2),
    (DefaultCategory.TRANSPORT, "Shell", 3500, 7200, "checking", 3),
    (DefaultCategory.TRANSPORT, "Metro Transit", 275, 3300, "checking", 4),
    (DefaultCategory.SHOPPING, "Amazon", 900, 15000, "credit", 6),
    (DefaultCategory.SHOPPING, "Target", 1500, 12000, "credit", 3),
    (DefaultCategory.SHOPPING, "IKEA", 2500, 30000, "credit", 1),
    (DefaultCategory.SHOPPING, "REI", 3000, 22000, "credit", 1),
    (DefaultCategory.ENTERTAINMENT, "AMC Theatres", 1400, 4200, "credit", 2),
    (DefaultCategory.ENTERTAINMENT, "Steam", 500, 6000, "credit", 1),
    (DefaultCategory.ENTERTAINMENT, "Ticketmaster", 4500, 18000, "credit", 1),
    (DefaultCategory.HEALTH, "CVS Pharmacy", 600, 4500, "checking", 2),
    (DefaultCategory.HEALTH, "Walgreens", 500, 3800, "checking", 1),
    (DefaultCategory.GIFTS, "Etsy", 1500, 8000, "credit", 1),
    (DefaultCategory.EDUCATION, "Coursera", 3900, 4900, "credit", 1),
]
_WEIGHTS = [p[5] for p in PURCHASES]

# (day of month, category, merchant or description, amount range, account key, type)
MONTHLY = [
    (1, DefaultCategory.HOUSING, "Parkview Apartments", (215000, 215000), "checking", "debit", "Rent"),
    (3, DefaultCategory.INSURANCE, "GEICO", (11820, 11820), "checking", "debit", "Auto insurance"),
    (5, DefaultCategory.SUBSCRIPTIONS, "Netflix", (1549, 1549), "credit", "debit", "Netflix subscription"),
    (7, DefaultCategory.SUBSCRIPTIONS, "Spotify", (1199, 1199), "credit", "debit", "Spotify Premium"),
    (9, DefaultCategory.SUBSCRIPTIONS, "Apple", (299, 299), "credit", "debit", "iCloud+ storage"),
    (12, DefaultCategory.UTILITIES, "Con Edison", (5800, 14200), "checking", "debit", "Electricity"),
    (15, DefaultCategory.UTILITIES, "Comcast Xfinity", (7999, 7999), "checking", "debit", "Internet"),
    (18, DefaultCategory.UTILITIES, "Verizon Wireless", (6500, 7200), "checking", "debit", "Phone plan"),
    (20, DefaultCategory.HEALTH, "Equinox", (4500, 4500), "checking", "debit", "Gym membership"),
    (28, DefaultCategory.INCOME, "Harbor National Bank", (2800, 4600), "savings", "credit", "Interest earned"),
]

EURO_TRIP = [
    (DefaultCategory.TRAVEL, "Air France", 48000, 62000, "Flight Paris"),
    (DefaultCategory.TRAVEL, "Hôtel des Arts", 14500, 19000, "Hotel, 2 nights"),
    (DefaultCategory.DINING, "Café de Flore", 1800, 4200, "Lunch"),
    (DefaultCategory.DINING, "Le Comptoir", 5500, 9800, "Dinner"),
    (DefaultCategory.TRANSPORT, "RATP", 210, 1690, "Metro tickets"),
    (DefaultCategory.ENTERTAINMENT, "Musée d'Orsay", 1600, 1600, "Museum"),
    (DefaultCategory.SHOPPING, "Galeries Lafayette", 3500, 16000, "Shopping"),
]

DEMO_BUDGETS = [
    ("Groceries", DefaultCategory.GROCERIES, 65000, "USD", Budget.Period.MONTHLY),
    ("Eating out", DefaultCategory.DINING, 30000, "USD", Budget.Period.MONTHLY),
    ("Getting around", DefaultCategory.TRANSPORT, 20000, "USD", Budget.Period.MONTHLY),
    ("Shopping", DefaultCategory.SHOPPING, 25000, "USD", Budget.Period.MONTHLY),
    ("Fun", DefaultCategory.ENTERTAINMENT, 8000, "USD", Budget.Period.MONTHLY),
    ("Coffee & lunch this week", DefaultCategory.DINING, 7500, "USD", Budget.Period.WEEKLY),
    ("Travel", DefaultCategory.TRAVEL, 120000, "EUR", Budget.Period.YEARLY),
]


def _account_number(rng: random.Random) -> str:
    return str(rng.randrange(10**9, 10**12))


@transaction.atomic
def ensure_accounts(*, user, rng: random.Random) -> dict[str, BankAccount]:
    """The demo accounts, created verified and active the first time (the plan limit does not apply)."""
    existing = list(BankAccount.objects.filter(user=user).order_by("created_at", "id"))
    if existing:
        by_key: dict[str, BankAccount] = {}
        for demo in DEMO_ACCOUNTS:
            match = next((a for a in existing if a.nickname == demo.nickname), None)
            if match is not None:
                by_key[demo.key] = match
        if "checking" not in by_key:
            usd = [a for a in existing if a.currency == "USD"] or existing
            by_key.setdefault("checking", usd[0])
        for key in ("savings", "credit"):
            by_key.setdefault(key, by_key["checking"])
        euro = next((a for a in existing if a.currency == "EUR"), None)
        if euro is not None:
            by_key.setdefault("euro", euro)
        return by_key
    ring = crypto.get_key_ring()
    now = timezone.now()
    created = {}
    for offset, demo in enumerate(DEMO_ACCOUNTS):
        identifier = Identifier(scheme=Scheme.US_ACH, secret=_account_number(rng), routing_number=demo.routing_number)
        account = BankAccount(
            user=user,
            bank_name=demo.bank_name,
            nickname=demo.nickname,
            account_type=demo.account_type,
            scheme=identifier.scheme,
            country="US",
            currency=demo.currency,
            routing_number=identifier.routing_number,
            last4=identifier.last4,
            status=BankAccount.Status.ACTIVE,
            verified_at=now,
            created_at=now - datetime.timedelta(days=DAYS + 5, minutes=10 - offset),
        )
        account.account_number_encrypted = ring.encrypt(identifier.secret, context=account_number_context(account.pk))
        account.account_fingerprint = ring.fingerprint(identifier.fingerprint_data(user.pk))
        account.full_clean(validate_constraints=False)
        account.save(force_insert=True)
        created[demo.key] = account
    return created


def ensure_budgets(*, user, today: datetime.date) -> int:
    if Budget.objects.filter(user=user).exists():
        return 0
    start = today.replace(month=1, day=1)
    # Groceries rolls over, so the demo shows what earlier months left or overspent carried into this one.
    budgets = [
        Budget(user=user, name=name, category=cat, amount=amount, currency=cur, period=period, start_date=start,
               rollover=cat == DefaultCategory.GROCERIES and period == Budget.Period.MONTHLY)
        for name, cat, amount, cur, period in DEMO_BUDGETS
    ]  # fmt: skip
    for budget in budgets:
        budget.full_clean(validate_constraints=False)
    Budget.objects.bulk_create(budgets)
    return len(budgets)


class DemoMaker:
    """Builds Transaction rows for one user quickly (no per-row queries)."""

    def __init__(self, *, user, accounts: dict[str, BankAccount], rng: random.Random, today: datetime.date):
        self.user_id = user.pk
        self.accounts = accounts
        self.rng = rng
        self.today = today
        self.start = today - datetime.timedelta(days=DAYS - 1)

    def _created_at(self, day: datetime.date) -> datetime.datetime:
        seconds = self.rng.randrange(7 * 3600, 23 * 3600)
        moment = datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC) + datetime.timedelta(
            seconds=seconds, microseconds=self.rng.randrange(1_000_000)
        )
        return moment

    def row(self, *, key: str, day: datetime.date, amount: int, kind: str, category: str, description: str,
            merchant: str = "", pair: uuid.UUID | None = None, outflow: bool = True) -> Transaction:  # fmt: skip
        account = self.accounts[key]
        signed = -amount if kind == "debit" or (kind == "transfer" and outflow) else amount
        recent = (self.today - day).days < 2
        return Transaction(
            id=uuid.uuid4(),
            user_id=self.user_id,
            bank_account_id=account.pk,
            amount=amount,
            signed_amount=signed,
            currency=account.currency,
            type=kind,
            status=Transaction.Status.PENDING if recent and kind == "debit" else Transaction.Status.COMPLETED,
            description=description,
            category=category,
            merchant_name=merchant,
            transaction_date=day,
            posting_date=None if recent else day + datetime.timedelta(days=self.rng.choice((0, 1, 1, 2))),
            transfer_pair_id=pair,
            created_at=self._created_at(day),
        )

    def transfer(self, *, source: str, target: str, day: datetime.date, amount: int, note: str) -> list[Transaction]:
        pair = uuid.uuid4()
        src, dst = self.accounts[source], self.accounts[target]
        if src.pk == dst.pk:
            return []
        out = self.row(key=source, day=day, amount=amount, kind="transfer", category=DefaultCategory.TRANSFER,
                       description=f"{note} to {dst.display_name}", pair=pair, outflow=True)  # fmt: skip
        into = self.row(key=target, day=day, amount=amount, kind="transfer", category=DefaultCategory.TRANSFER,
                        description=f"{note} from {src.display_name}", pair=pair, outflow=False)  # fmt: skip
        into.created_at = out.created_at
        into.posting_date = out.posting_date
        return [out, into]

    def purchase(self, day: datetime.date) -> Transaction:
        category, merchant, low, high, key, _ = self.rng.choices(PURCHASES, weights=_WEIGHTS)[0]
        amount = self.rng.randrange(low, high + 1)
        return self.row(key=key, day=day, amount=amount, kind="debit", category=category,
                        description=merchant, merchant=merchant)  # fmt: skip

    def year(self) -> Iterator[Transaction]:
        """A believable year: opening balances, pay, rent and bills, daily purchases, card payments, a trip."""
        rng = self.rng
        yield self.row(key="checking", day=self.start, amount=420000, kind="credit", category=DefaultCategory.INCOME,
                       description="Opening balance")  # fmt: skip
        yield self.row(key="savings", day=self.start, amount=1250000, kind="credit", category=DefaultCategory.INCOME,
                       description="Opening balance")  # fmt: skip
        if "euro" in self.accounts:
            yield self.row(key="euro", day=self.start, amount=300000, kind="credit", category=DefaultCategory.INCOME,
                           description="Opening balance")  # fmt: skip
        card_spend = 0
        trip_start = self.start + datetime.timedelta(days=rng.randrange(120, 220))
        for offset in range(DAYS):
            day = self.start + datetime.timedelta(days=offset)
            if offset % 14 == 4:
                yield self.row(key="checking", day=day, amount=341255, kind="credit", category=DefaultCategory.INCOME,
                               description="Payroll deposit", merchant="Acme Corp")  # fmt: skip
            for dom, category, merchant, (low, high), key, kind, description in MONTHLY:
                if day.day == dom:
                    yield self.row(key=key, day=day, amount=rng.randrange(low, high + 1), kind=kind,
                                   category=category, description=description, merchant=merchant)  # fmt: skip
            if day.day == 2:
                yield from self.transfer(source="checking", target="savings", day=day, amount=50000,
                                         note="Monthly savings")  # fmt: skip
            if day.day == 25 and card_spend:
                yield from self.transfer(source="checking", target="credit", day=day, amount=card_spend,
                                         note="Card payment")  # fmt: skip
                card_spend = 0
            for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
                txn = self.purchase(day)
                if txn.bank_account_id == self.accounts["credit"].pk and txn.status == "completed":
                    card_spend += txn.amount
                yield txn
            if "euro" in self.accounts and 0 <= (day - trip_start).days < 6:
                for category, merchant, low, high, description in EURO_TRIP:
                    if category == DefaultCategory.TRAVEL and day != trip_start:
                        continue
                    if rng.random() < 0.6 or category == DefaultCategory.TRAVEL:
                        yield self.row(key="euro", day=day, amount=rng.randrange(low, high + 1), kind="debit",
                                       category=category, description=description, merchant=merchant)  # fmt: skip

    def random_purchases(self, count: int) -> Iterator[Transaction]:
        """`count` purchases spread over the year, for load tests."""
        for _ in range(count):
            yield self.purchase(self.start + datetime.timedelta(days=self.rng.randrange(DAYS)))


def write_in_batches(rows: Iterator[Transaction], *, batch_size: int, progress=None) -> int:
    """Write `rows` batch by batch, each batch in its own transaction; returns how many were written.

    PostgreSQL gets COPY (about five times faster than INSERT for this), other databases bulk_create.
    """
    written = 0
    batch: list[Transaction] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            written += _flush(batch, progress)
            batch = []
    if batch:
        written += _flush(batch, progress)
    return written


def refresh_planner_statistics() -> None:
    """After a bulk load, let PostgreSQL's planner see the new row counts at once.

    Until autovacuum gets round to it the planner still believes the table is small and can choose a
    bitmap scan plus sort over the history index: a deep keyset page then costs ~50 ms instead of ~0.2 ms.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Transaction, DailySpending, DailyFlow):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _flush(batch: list[Transaction], progress) -> int:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _copy(batch)
        else:
            Transaction.objects.bulk_create(batch, batch_size=len(batch))
    if progress is not None:
        progress.update(len(batch))
    return len(batch)


def _copy(batch: list[Transaction]) -> None:
    now = timezone.now()
    fields = Transaction._meta.concrete_fields
    table = connection.ops.quote_name(Transaction._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(field_column(f)) for f in fields)
    attnames = [f.attname for f in fields]
    # psycopg's own cursor (`cursor.cursor`): COPY is not part of Django's cursor API.
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for obj in batch:
            if obj.updated_at is None:
                obj.updated_at = now
            copy.write_row([getattr(obj, name) for name in attnames])
