"""Categorisation rules over a long history: `python bench/rules.py [--transactions 100000] [--rules 50]`.

Seeds a user with `--transactions` believable purchases (seed_demo's generator) and `--rules` rules of every
kind (contains, equals, starts_with, RE2 regex, amount ranges, account, type), then runs them all over the
history as "apply to existing" does (batches of 2,000, flat memory): once as a dry run (reading and
matching only) and once writing the changes (bulk updates and one rebuild of the daily sums). Prints rows/s
for each and the process's peak RSS. Uses DATABASE_URL (PostgreSQL, as production) and re-uses the user on
a second run.
"""

import argparse
import base64
import os
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saas.settings")
os.environ.setdefault("ENV_FILE", "")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
os.environ.setdefault("BANK_DATA_ENCRYPTION_KEYS", base64.b64encode(b"bench-key-stays-fixed-across-run").decode())
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ledgerly_bench_rules")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from bench.run import ensure_database  # noqa: E402

if os.environ["DATABASE_URL"].startswith("postgres"):
    ensure_database(os.environ["DATABASE_URL"])  # created on the first run, as bench/run.py creates its own

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

EMAIL = "rules-bench@example.com"
WORDS = ["coffee", "market", "pizza", "cinema", "pharmacy", "books", "fuel", "metro", "taxi", "grocer"]


def make_rules(user, count: int, account_ids: list[str]) -> None:
    from banking.models import Rule
    from banking.services import rule_create

    Rule.objects.filter(user=user, is_default=False).delete()
    rng = random.Random(50)
    categories = ["dining", "groceries", "transport", "shopping", "entertainment", "health", "fees", "gifts"]
    for n in range(count):
        kind = n % 6
        word = WORDS[n % len(WORDS)] + ("" if n < len(WORDS) else f"{n}")
        if kind == 0:
            conditions = [{"field": "merchant_name", "op": "contains", "value": word}]
        elif kind == 1:
            conditions = [{"field": "description", "op": "equals", "value": f"{word} purchase"}]
        elif kind == 2:
            conditions = [{"field": "merchant_name", "op": "starts_with", "value": word[:4]}]
        elif kind == 3:
            conditions = [{"field": "description", "op": "regex", "value": rf"^(?:pos\s+\d+\s+)?{word}\b.*\d{{2,}}$"}]
        elif kind == 4:
            low = rng.randrange(100, 5000)
            conditions = [{"field": "amount", "op": "between", "value": [low, low + 700]},
                          {"field": "type", "op": "equals", "value": "debit"}]  # fmt: skip
        else:
            conditions = [{"field": "bank_account_id", "op": "equals", "value": rng.choice(account_ids)},
                          {"field": "description", "op": "contains", "value": word}]  # fmt: skip
        rule_create(user=user, name=f"Bench {n}", conditions=conditions, match="all", priority=n,
                    actions={"category": categories[n % len(categories)]})  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transactions", type=int, default=100_000)
    parser.add_argument("--rules", type=int, default=50)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--email", EMAIL, "--transactions", str(args.transactions), verbosity=0)

    from accounts.models import User
    from banking.models import BankAccount, Transaction
    from banking.services.rules import compiled_rules, rules_run_over_history

    user = User.objects.get(email=EMAIL)
    account_ids = [str(pk) for pk in BankAccount.objects.filter(user=user).values_list("pk", flat=True)]
    make_rules(user, args.rules, account_ids)
    # The same work on every run: the purchases start uncategorised.
    Transaction.objects.filter(user=user, type="debit").update(category="other", hand_set=0)
    rules = compiled_rules(user=user)
    rows = Transaction.objects.filter(user=user).count()
    print(f"{rows} transactions, {len(rules)} active rules (the {len(rules) - args.rules} built-in ones included)")

    for dry_run in (True, False):
        started = time.perf_counter()
        result = rules_run_over_history(user=user, rules=rules, dry_run=dry_run)
        seconds = time.perf_counter() - started
        label = "dry run (match only)" if dry_run else "apply (write changes)"
        print(f"{label:24} {seconds:7.2f} s  {rows / seconds:10,.0f} rows/s  matched {result.matched:,}, "
              f"changed {result.changed:,}")  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MiB at {timezone.now():%Y-%m-%d %H:%M}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
