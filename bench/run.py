"""Benchmark runner: the site under gunicorn on PostgreSQL, loaded from a separate process.

    python bench/run.py                     # every scenario, 15 s each (make bench)
    python bench/run.py --smoke             # a few seconds in all, small data (CI)
    python bench/run.py --scenarios health,landing --duration 5

Writes bench/results/<timestamp>.json and prints a table: requests/s, p50/p95/p99 latency, and each
scenario's ratio to /api/health measured in the same run, plus every gunicorn worker's peak RSS.
"""

import argparse
import base64
import json
import os
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import scenarios  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ledgerly_bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_database(url: str, *, fresh: bool = False) -> None:
    from urllib.parse import urlsplit

    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        if fresh:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


class Site:
    """Runs manage.py and gunicorn with one production-like environment."""

    def __init__(
        self,
        database_url: str,
        workers: int,
        *,
        cache_url: str = "",
        wsgi: str = "saas.wsgi",
        settings: str = "bench.settings",
    ):
        self.wsgi = wsgi
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        # Kept open for gunicorn's whole life and left behind for reading after the run.
        self.log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
        self.env = {
            **{k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "VIRTUAL_ENV"}},
            "ENV_FILE": "",
            "DJANGO_SETTINGS_MODULE": settings,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": database_url,
            **({"CACHE_URL": cache_url} if cache_url else {}),
            "BANK_DATA_ENCRYPTION_KEYS": os.environ.get("BENCH_BANK_KEY")
            or base64.b64encode(b"bench-key-stays-fixed-across-run").decode(),
            "POLAR_WEBHOOK_SECRET": "whsec_" + base64.b64encode(b"bench-webhook-secret-0123456789").decode(),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "APP_URL": self.base_url,
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "LOG_LEVEL": "INFO",
            "PORT": str(self.port),
            "WEB_CONCURRENCY": str(workers),
            "PYTHONUNBUFFERED": "1",
        }
        self.process: subprocess.Popen | None = None

    def manage(self, *args: str, capture: bool = False) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            text=True,
            stdout=subprocess.PIPE if capture else None,
        )
        return result.stdout if capture else ""

    def task(self, *args: str, env: dict | None = None) -> str:
        """Run bench/tasks.py (Django set up with the bench environment) and return its stdout."""
        result = subprocess.run(
            [sys.executable, "bench/tasks.py", *args],
            cwd=ROOT,
            env={**self.env, **(env or {})},
            check=True,
            text=True,
            stdout=subprocess.PIPE,
        )
        return result.stdout.strip()

    def run_workers(self, count: int, *, env: dict | None = None) -> list[float]:
        """Run `count` task workers until the queue is empty (`worker --burst`); each one's peak RSS in MiB."""
        workers = [
            subprocess.Popen(
                [sys.executable, "manage.py", "worker", "--burst"],
                cwd=ROOT,
                env={**self.env, "LOG_LEVEL": "WARNING", **(env or {})},
                stdout=subprocess.DEVNULL,
                stderr=self.log,
            )
            for _ in range(count)
        ]
        peaks = dict.fromkeys((worker.pid for worker in workers), 0)
        while any(worker.poll() is None for worker in workers):
            for pid in peaks:
                peaks[pid] = max(peaks[pid], rss_kib(pid))
            time.sleep(0.05)
        failed = [worker.returncode for worker in workers if worker.returncode]
        if failed:
            raise RuntimeError(f"a task worker exited with {failed}; see {self.log.name}")
        return [round(kib / 1024, 1) for kib in peaks.values()]

    def start(self, *, probe: str = "/api/health") -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", self.wsgi, "--config", "gunicorn.conf.py"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.base_url + probe, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not become healthy; see {self.log.name}")

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssSampler:
    """Samples each gunicorn worker's resident memory while a scenario runs: the peak, and the peaks of the
    first and the last 10 seconds (memory that keeps growing under a steady load is a leak)."""

    WINDOW = 10.0

    def __init__(self, site: Site):
        self.site = site
        self.peaks: dict[int, int] = {}
        self.samples: list[tuple[float, int]] = []  # (seconds since start, the largest worker's KiB)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        started = time.monotonic()
        while not self._stop.is_set():
            largest = 0
            for pid in self.site.worker_pids():
                kib = rss_kib(pid)
                self.peaks[pid] = max(self.peaks.get(pid, 0), kib)
                largest = max(largest, kib)
            if largest:
                self.samples.append((time.monotonic() - started, largest))
            self._stop.wait(0.25)

    def first_and_last(self) -> tuple[float, float]:
        """The largest worker's peak RSS (MiB) over the first and the last WINDOW seconds."""
        if not self.samples:
            return 0.0, 0.0
        end = self.samples[-1][0]
        first = max(kib for at, kib in self.samples if at <= self.WINDOW)
        last = max(kib for at, kib in self.samples if at >= end - self.WINDOW)
        return round(first / 1024, 1), round(last / 1024, 1)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def drive(site: Site, requests: list[dict], *, mode: str, duration: float, concurrency: int) -> dict:
    spec = {
        "base_url": site.base_url,
        "requests": requests,
        "mode": mode,
        "duration": duration,
        "concurrency": concurrency,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(spec, handle)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        output = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "load.py"), handle.name],
            check=True,
            text=True,
            stdout=subprocess.PIPE,
        ).stdout
    finally:
        os.unlink(handle.name)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = json.loads(output)
    # The load generator shares the machine's cores with the site: what it used is reported alongside.
    result["loader_cpu_s"] = round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2)
    return result


def table(results: list[dict], workers: dict[str, int]) -> str:
    head = f"{'scenario':<22}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>7}"
    head += f"{'rps/health':>11}{'p50/health':>11}{'rps/floor':>10}{'p50/floor':>10}{'RSS MiB first/last 10s':>24}"
    lines = [head, "-" * len(head)]
    for row in results:
        rss = f"{row['rss_first_mib']} / {row['rss_last_mib']}" if "rss_first_mib" in row else ""
        lines.append(
            f"{row['scenario']:<22}{row['rps']:>9.1f}{row['p50_ms']:>9.2f}{row['p95_ms']:>9.2f}{row['p99_ms']:>9.2f}"
            f"{row['errors']:>7}{row.get('rps_ratio', 0):>11.2f}{row.get('p50_ratio', 0):>11.2f}"
            f"{row.get('rps_floor_ratio', 0):>10.2f}{row.get('p50_floor_ratio', 0):>10.2f}{rss:>24}"
        )
        if row.get("check"):
            lines.append(f"{'':<22}check: {row['check']}")
    lines.append("")
    lines.append("gunicorn workers, peak RSS under load: " + ", ".join(f"{mib} MiB" for mib in workers.values()))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", default=",".join(scenarios.ORDER), help="comma list, in run order")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per looping scenario")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1, help="gunicorn workers")
    parser.add_argument("--transactions", type=int, default=200_000, help="bench user's transactions")
    parser.add_argument("--webhook-subscriptions", type=int, default=400, help="subscriptions in the webhook burst")
    parser.add_argument("--email-signups", type=int, default=1000, help="sign-ups' e-mails in the email burst")
    parser.add_argument("--email-queues", default="database,redis", help="queues the email burst runs on")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"))
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument(
        "--cache-url",
        default=os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/7"),
        help="the shared cache, as production sets CACHE_URL (Redis); 'database' for the embedded default",
    )
    parser.add_argument("--import-rows", default="10000,100000", help="CSV rows of each import_100k run")
    parser.add_argument("--import-existing", type=int, default=100_000, help="rows the import's account holds")
    parser.add_argument("--smoke", action="store_true", help="seconds-long run on small data (CI)")
    parser.add_argument("--fresh", action="store_true", help="drop and re-create the bench database first")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args()
    if args.smoke:
        args.duration = 2.0
        args.transactions = min(args.transactions, 3_000)
        args.webhook_subscriptions = min(args.webhook_subscriptions, 20)
        args.email_signups = min(args.email_signups, 50)
        args.workers = min(args.workers, 2)
        args.import_rows, args.import_existing = "200,2000", 2000

    args.import_rows = [int(n) for n in str(args.import_rows).split(",") if n.strip()]
    chosen = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(scenarios.ORDER))
    if unknown:
        parser.error(f"unknown scenarios {unknown}; choose from {scenarios.ORDER}")
    if "health" not in chosen:
        chosen.insert(0, "health")  # the ceiling every ratio is measured against

    ensure_database(args.database_url, fresh=args.fresh)
    site = Site(args.database_url, args.workers, cache_url="" if args.cache_url == "database" else args.cache_url)
    print(f"Preparing the database ({args.database_url.rsplit('/', 1)[-1]}) ...", flush=True)
    site.manage("migrate", "--noinput", "--verbosity", "0")
    site.manage("createcachetable")
    # Sessions and counters of an earlier run (signed with its own SECRET_KEY) would only be noise.
    site.manage("shell", "-c", "from django.core.cache import cache; cache.clear()")
    site.manage("collectstatic", "--noinput", "--verbosity", "0")
    context = scenarios.Context(site=site, args=args)
    for name in chosen:
        scenarios.SCENARIOS[name].prepare(context)

    results = []
    peaks: dict[int, int] = {}
    site.start()
    try:
        for name in chosen:
            scenario = scenarios.SCENARIOS[name]
            print(f"Running {name} ...", flush=True)
            if scenario.mode == "tasks":
                results.extend(scenario.run(context))
                continue
            target = scenario.target(context) or site
            try:
                with RssSampler(target) as sampler:
                    row = drive(
                        target,
                        scenario.requests(context),
                        mode=scenario.mode,
                        duration=args.duration,
                        concurrency=args.concurrency,
                    )
            finally:
                scenario.finish(context)
            if target is site:
                for pid, kib in sampler.peaks.items():
                    peaks[pid] = max(peaks.get(pid, 0), kib)
            row["rss_first_mib"], row["rss_last_mib"] = sampler.first_and_last()
            row["scenario"] = name
            row["check"] = scenario.check(context, row)
            results.append(row)
    finally:
        site.stop()

    health = next(row for row in results if row["scenario"] == "health")
    floor = next((row for row in results if row["scenario"] == "floor"), None)
    for row in results:
        if "worker_rss_mib" in row:
            continue  # tasks, not requests: no ratio to a request
        row["rps_ratio"] = round(row["rps"] / health["rps"], 3) if health["rps"] else 0
        row["p50_ratio"] = round(row["p50_ms"] / health["p50_ms"], 3) if health["p50_ms"] else 0
        if floor is not None:
            row["rps_floor_ratio"] = round(row["rps"] / floor["rps"], 3) if floor["rps"] else 0
            row["p50_floor_ratio"] = round(row["p50_ms"] / floor["p50_ms"], 3) if floor["p50_ms"] else 0
    workers = {str(pid): round(kib / 1024, 1) for pid, kib in sorted(peaks.items())}
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "settings": {k: v for k, v in vars(args).items() if k not in {"output"}},
        "results": results,
        "worker_rss_mib": workers,
    }
    out_dir = Path(args.output)
    out_dir.mkdir(parents=True, exist_ok=True)
    out_file = out_dir / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}{'-smoke' if args.smoke else ''}.json"
    out_file.write_text(json.dumps(report, indent=2))
    print()
    print(table(results, workers))
    print(f"\nWritten to {out_file.relative_to(ROOT)}")
    failed = [row["scenario"] for row in results if row["errors"] or (row.get("check") or "").startswith("FAILED")]
    if failed:
        print(f"Scenarios with errors: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
