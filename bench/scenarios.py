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


SCENARIOS: dict[str, Scenario] = {
    "health": Health(),
    "landing": Landing(),
}
ORDER = list(SCENARIOS)
