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

    def target(self, ctx: Context) -> Any:
        """The server to load (None: the site itself)."""
        return None

    def finish(self, ctx: Context) -> None:
        """Called after the load, whatever happened."""


class Health(Scenario):
    """The ceiling: the cheapest request that still touches the database and the cache."""

    def requests(self, ctx):
        return [{"method": "GET", "path": "/api/health"}]


class Floor(Scenario):
    """What a Django view with one `SELECT 1` reaches under the same gunicorn config: bench/floor, no apps,
    no middleware. Every scenario's ratio to it is reported beside its ratio to health."""

    def target(self, ctx):
        from bench.run import Site

        self.site = Site(
            ctx.args.database_url, ctx.args.workers, wsgi="bench.floor.wsgi", settings="bench.floor.settings"
        )
        self.site.start(probe="/floor")
        return self.site

    def finish(self, ctx):
        self.site.stop()

    def requests(self, ctx):
        return [{"method": "GET", "path": "/floor"}]


class Landing(Scenario):
    def requests(self, ctx):
        return [{"method": "GET", "path": "/"}]


BENCH_EMAIL = "bench@example.com"
# seed_demo's password for a new demo user (banking/management/commands/seed_demo.py).
BENCH_PASSWORD = "ledgerly-demo-2025"


def _signed_in(ctx: Context) -> dict:
    """The bench user (seeded once per run) and the cookies a browser holds after its first page: the session
    and the CSRF secret (without the latter, every page would mint and set a new one)."""
    if "cookie" not in ctx.data:
        ctx.site.task("seed", "--email", BENCH_EMAIL, "--count", str(ctx.args.transactions))
        session = ctx.site.task("session", "--email", BENCH_EMAIL)
        ctx.data["cookie"] = f"sessionid={session}; csrftoken={ctx.site.task('csrf-token')}"
    return {"Cookie": ctx.data["cookie"]}


class Session(Scenario):
    """The signed-in session check every page and script pays: `GET /api/auth/session`."""

    def prepare(self, ctx):
        self.headers = _signed_in(ctx)

    def requests(self, ctx):
        return [{"method": "GET", "path": "/api/auth/session", "headers": self.headers}]


class SignIn(Scenario):
    """allauth's sign-in POST with the real password check (Argon2 at the site's parameters)."""

    def prepare(self, ctx):
        from urllib.parse import urlencode

        _signed_in(ctx)  # the bench user exists
        token = ctx.site.task("csrf-token")
        self.headers = {"Cookie": f"csrftoken={token}", "Content-Type": "application/x-www-form-urlencoded"}
        self.body = urlencode({"csrfmiddlewaretoken": token, "login": BENCH_EMAIL, "password": BENCH_PASSWORD})

    def requests(self, ctx):
        return [{"method": "POST", "path": "/sign-in", "headers": self.headers, "body": self.body}]

    def check(self, ctx, result):
        signed_in = result.get("statuses", {}).get("302", 0)
        verdict = "ok" if signed_in == result["requests"] else "FAILED"
        return f"{verdict}: {signed_in} of {result['requests']} sign-ins redirected to the dashboard"


class Dashboard(Scenario):
    """The overview for a user with --transactions transactions (200,000 by default)."""

    def prepare(self, ctx):
        self.headers = _signed_in(ctx)

    def requests(self, ctx):
        return [{"method": "GET", "path": "/dashboard/", "headers": self.headers}]


class Insights(Scenario):
    """The insights page (the last twelve months) for the bench user with --transactions transactions, on a
    demo subscription; cached per data version after its first view, like the overview."""

    def prepare(self, ctx):
        self.headers = _signed_in(ctx)
        ctx.data["insights"] = ctx.site.task("insights-ready", "--email", BENCH_EMAIL)

    def requests(self, ctx):
        return [{"method": "GET", "path": "/dashboard/insights/", "headers": self.headers}]

    def check(self, ctx, result):
        ok = result.get("statuses", {}).get("200", 0)
        verdict = "ok" if ok == result["requests"] else "FAILED"
        return f"{verdict}: {ok} of {result['requests']} answered 200; cold page {ctx.data.get('insights', '')}"


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

    def requests(self, ctx):
        # Signed just before the burst, not when the run starts: Polar's signatures are valid for five
        # minutes, and the scenarios before this one can take longer than that (--duration 60).
        import json
        import os
        import tempfile
        from pathlib import Path

        handle, file = tempfile.mkstemp(suffix=".json")
        os.close(handle)
        try:
            ctx.site.task("webhook-events", "--count", str(ctx.args.webhook_subscriptions), "--out", file)
            return json.loads(Path(file).read_text())
        finally:
            Path(file).unlink(missing_ok=True)

    def check(self, ctx, result):
        return ctx.site.task("webhook-check", "--count", str(ctx.args.webhook_subscriptions))


class EmailBurst(Scenario):
    """`--email-signups` sign-ups' worth of confirmation e-mails queued, then drained by 2 worker processes.

    Runs once per queue in `--email-queues` (database, redis). Reports tasks/s over the drain, each e-mail's
    wait from sign-up to sent (p50/p95/p99; they all queued at once, so the later ones wait for the
    earlier), and every worker's peak RSS. E-mails go to a file mailer in a temporary folder.
    """

    mode = "tasks"

    def run(self, ctx) -> list[dict]:
        import json
        import shutil
        import tempfile

        rows = []
        for queue in [name.strip() for name in ctx.args.email_queues.split(",") if name.strip()]:
            mail_dir = tempfile.mkdtemp(prefix="bench-mail-")
            # django-environ reads filemail:///x as the relative path x: four slashes for an absolute one.
            env = {"EMAIL_URL": f"filemail:///{mail_dir}"}
            if queue == "redis":
                env["TASKS_URL"] = ctx.args.redis_url
            count = ctx.args.email_signups
            ctx.site.task("email-enqueue", "--count", str(count), env=env)
            peaks = ctx.site.run_workers(2, env=env)
            outcome = json.loads(ctx.site.task("email-check", "--count", str(count), env=env))
            shutil.rmtree(mail_dir, ignore_errors=True)
            rate = outcome["sent"] / outcome["seconds"] if outcome["seconds"] else 0.0
            verdict = "ok" if outcome["sent"] == count else "FAILED"
            rows.append(
                {
                    "scenario": f"email_burst[{queue}]",
                    "requests": count,
                    "errors": count - outcome["sent"],
                    "rps": round(rate, 1),
                    "p50_ms": outcome["p50_ms"],
                    "p95_ms": outcome["p95_ms"],
                    "p99_ms": outcome["p99_ms"],
                    "worker_rss_mib": peaks,
                    "check": f"{verdict}: {outcome['sent']}/{count} e-mails sent in {outcome['seconds']} s by 2 "
                    f"workers (tasks/s in the req/s column), worker peak RSS "
                    + ", ".join(f"{mib} MiB" for mib in peaks),
                }
            )
        return rows


class Import100k(Scenario):
    """A CSV bank file of 10,000 and then 100,000 rows imported into an account holding `--import-existing`
    (100,000) rows, one worker process doing the work: reading and matching duplicates, then committing.
    Reports rows/s of each step (worker start-up included) and the worker's peak RSS: flat memory means the
    100,000-row peak stays within 15% of the 10,000-row one."""

    mode = "tasks"

    def run(self, ctx) -> list[dict]:
        import json
        import time

        rows, peaks = [], {}
        for count in ctx.args.import_rows:
            existing = str(ctx.args.import_existing)
            imp = ctx.site.task("import-prepare", "--count", str(count), "--existing", existing)
            started = time.perf_counter()
            read_peak = ctx.site.run_workers(1)
            read = time.perf_counter() - started
            ctx.site.task("import-commit", "--out", imp)
            started = time.perf_counter()
            commit_peak = ctx.site.run_workers(1)
            written = time.perf_counter() - started
            outcome = json.loads(ctx.site.task("import-check", "--out", imp))
            peak = max(read_peak + commit_peak)
            peaks[count] = peak
            ok = outcome["status"] == "completed" and outcome["written"] == outcome["new"] and outcome["rows"] == count
            rows.append(
                {
                    "scenario": f"import[{count}]",
                    "requests": count,
                    "errors": 0 if ok else 1,
                    "rps": round(count / (read + written), 1),
                    "p50_ms": 0.0,
                    "p95_ms": 0.0,
                    "p99_ms": 0.0,
                    "worker_rss_mib": [peak],
                    "check": f"{'ok' if ok else 'FAILED'}: {outcome}; read+dedupe {count / read:.0f} rows/s, "
                    f"commit {max(outcome['new'], 1) / written:.0f} rows/s, worker peak RSS {peak} MiB",
                }
            )
        # Only a large run says anything about memory growth (--smoke imports a few hundred rows).
        if len(peaks) > 1 and max(peaks) >= 50_000:
            low, high = peaks[min(peaks)], peaks[max(peaks)]
            growth = (high - low) / low * 100 if low else 0.0
            verdict = "ok" if growth <= 15 else "FAILED"
            rows[-1]["check"] += f"; peak RSS {growth:+.1f}% vs {min(peaks)} rows: {verdict}"
            if verdict == "FAILED":
                rows[-1]["errors"] += 1
        return rows


SCENARIOS: dict[str, Scenario] = {
    "health": Health(),
    "floor": Floor(),
    "landing": Landing(),
    "session": Session(),
    "sign_in": SignIn(),
    "dashboard": Dashboard(),
    "insights": Insights(),
    "transactions_first": TransactionsFirst(),
    "transactions_deep": TransactionsDeep(),
    "webhook_burst": WebhookBurst(),
    "email_burst": EmailBurst(),
    "import_100k": Import100k(),
}
ORDER = list(SCENARIOS)
