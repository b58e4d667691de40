"""Run background tasks: the `worker:` process of the Procfile."""

from django.core.management.base import BaseCommand
from django.utils import autoreload

from saas.background import backend_kind
from saas.worker import run_database_worker, run_redis_worker


class Command(BaseCommand):
    help = (
        "Run background tasks from the queue settings.TASKS names (the database, or Redis when TASKS_URL is "
        "set), one at a time. Run as many as you like, on as many machines: each task is claimed by one. "
        "SIGTERM or Ctrl-C lets the task in hand finish; a task whose worker is killed is retried."
    )

    def add_arguments(self, parser):
        parser.add_argument("--queue", action="append", dest="queues", help="Queue to take tasks from (default).")
        parser.add_argument("--burst", action="store_true", help="Run every task that is due, then exit.")
        parser.add_argument(
            "--reload", action="store_true", help="Restart when the code changes (development, database queue)."
        )

    def handle(self, *args, queues: list[str] | None, burst: bool, reload: bool, **options):
        queue_names = queues or ["default"]
        if backend_kind() == "redis":

            def run():
                run_redis_worker(queue_names=queue_names, burst=burst)
        else:

            def run():
                run_database_worker(queue_names=queue_names, burst=burst)

        if reload and not burst and backend_kind() == "database":
            autoreload.run_with_reloader(run)
        else:
            run()
