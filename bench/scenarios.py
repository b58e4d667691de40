"""Benchmark scenarios. Each prepares its data, lists its requests, and checks the outcome."""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Context:
    site: Any
    args: Any
    data: dict = field(default_factory=dict)


class Scenario:
    mode = "loop"

    def prepare(self, ctx: Context) -> None:
        pass

    def requests(self, ctx: Context) -> list[dict]:
        raise NotImplementedError

    def check(self, ctx: Context, result: dict) -> str:
        return ""


class Health(Scenario):
    """The ceiling: the cheapest request that still touches the database and the cache."""

    def requests(self, ctx):
        return [{"method": "GET", "path": "/api/health"}]


class Landing(Scenario):
    def requests(self, ctx):
        return [{"method": "GET", "path": "/"}]


BENCH_EMAIL = "bench@example.com"


def _signed_in(ctx: Context) -> dict:
    """The bench user (seeded once per run) and a session cookie for it."""
    if "cookie" not in ctx.data:
        ctx.site.task("seed", "--email", BENCH_EMAIL, "--count", str(ctx.args.transactions))
        ctx.data["cookie"] = "sessionid=" + ctx.site.task("session", "--email", BENCH_EMAIL)
    return {"Cookie": ctx.data["cookie"]}


class Dashboard(Scenario):
    """The overview for a user with --transactions transactions (200,000 by default)."""

    def prepare(self, ctx):
        self.headers = _signed_in(ctx)

    def requests(self, ctx):
        return [{"method": "GET", "path": "/dashboard/", "headers": self.headers}]


class TransactionsFirst(Scenario):
    def prepare(self, ctx):
        self.headers = _signed_in(ctx)

    def requests(self, ctx):
        return [{"method": "GET", "path": "/dashboard/transactions/", "headers": self.headers}]


class TransactionsDeep(Scenario):
    """A page 2,000 pages deep (row 100,000), reached by its cursor: keyset paging costs the same anywhere."""

    def prepare(self, ctx):
        from urllib.parse import quote

        self.headers = _signed_in(ctx)
        depth = min(2000, max(1, ctx.args.transactions // 50 - 1))
        cursor = ctx.site.task("deep-cursor", "--email", BENCH_EMAIL, "--count", str(depth))
        self.path = f"/dashboard/transactions/?cursor={quote(cursor)}"

    def requests(self, ctx):
        return [{"method": "GET", "path": self.path, "headers": self.headers}]


class WebhookBurst(Scenario):
    """Signed Polar deliveries at concurrency 8: new, duplicate and out of order; the final state is checked."""

    mode = "burst"

    def prepare(self, ctx):
        import os
        import tempfile

        handle, self.file = tempfile.mkstemp(suffix=".json")
        os.close(handle)
        count = ctx.args.webhook_subscriptions
        ctx.site.task("webhook-events", "--count", str(count), "--out", self.file)

    def requests(self, ctx):
        import json
        from pathlib import Path

        return json.loads(Path(self.file).read_text())

    def check(self, ctx, result):
        return ctx.site.task("webhook-check", "--count", str(ctx.args.webhook_subscriptions))


SCENARIOS: dict[str, Scenario] = {
    "health": Health(),
    "landing": Landing(),
    "dashboard": Dashboard(),
    "transactions_first": TransactionsFirst(),
    "transactions_deep": TransactionsDeep(),
    "webhook_burst": WebhookBurst(),
}
ORDER = list(SCENARIOS)
