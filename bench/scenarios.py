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


class WebhookBurst(Scenario):
    """Signed Polar deliveries at concurrency 8: new, duplicate and out of order; the final state is checked."""

    mode = "burst"

    def prepare(self, ctx):
        import tempfile

        self.file = tempfile.NamedTemporaryFile(suffix=".json", delete=False).name
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
    "webhook_burst": WebhookBurst(),
}
ORDER = list(SCENARIOS)
