"""The real task queue in tests: the database queue, or RQ on Redis when TASKS_URL is set.

The suite runs tasks at once (the immediate backend); a test that tests queuing takes the `real_queue`
fixture, which switches settings.TASKS to the backend production uses with the same environment, and
runs a real worker in this process (`drain`) to work the queue off.
"""

import os
import signal
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from saas.background import META_KWARG

KIND = "redis" if os.environ.get("TASKS_URL") else "database"
BACKENDS = {
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
    "redis": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]},
}


@dataclass
class Scheduled:
    task_path: str
    run_after: datetime
    attempt: int


class RealQueue:
    kind = KIND

    def drain(self) -> None:
        """Run a worker until no task is due (a burst), in this process."""
        from saas.worker import run_database_worker, run_redis_worker

        previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
        try:
            if self.kind == "redis":
                run_redis_worker(queue_names=["default"], burst=True)
            else:
                run_database_worker(queue_names=["default"], burst=True)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def scheduled(self) -> list[Scheduled]:
        """Tasks waiting for their `run_after` (retries in backoff)."""
        if self.kind == "redis":
            queue, registry = _rq_queue_and_registry()
            found = []
            for job_id in registry.get_job_ids():
                job = queue.fetch_job(job_id)
                run_after = registry.get_scheduled_time(job)
                found.append(Scheduled(job.func_name, run_after, job.kwargs[META_KWARG]["attempt"]))
            return found
        from django_tasks_db.models import DBTaskResult, get_date_max

        rows = DBTaskResult.objects.filter(status="READY").exclude(run_after=get_date_max())
        return [
            Scheduled(row.task_path, row.run_after, row.args_kwargs["kwargs"][META_KWARG]["attempt"]) for row in rows
        ]

    def make_due(self) -> None:
        """Let every waiting task run now, as if its backoff had passed."""
        if self.kind == "redis":
            queue, registry = _rq_queue_and_registry()
            for job_id in registry.get_job_ids():
                job = queue.fetch_job(job_id)
                registry.remove(job)
                queue.enqueue_job(job)
            return
        from django_tasks_db.models import DBTaskResult, get_date_max

        DBTaskResult.objects.filter(status="READY").exclude(run_after=get_date_max()).update(
            run_after=timezone.now() - timedelta(seconds=1)
        )

    def clear(self) -> None:
        if self.kind == "redis":
            queue, _ = _rq_queue_and_registry()
            queue.connection.flushdb()


def _rq_queue_and_registry():
    import django_rq
    from django_tasks_rq import Job

    queue = django_rq.get_queue("default", job_class=Job)
    return queue, queue.scheduled_job_registry


@pytest.fixture
def real_queue(settings, transactional_db):
    """settings.TASKS on the real backend (database, or Redis with TASKS_URL) and a worker to drain it."""
    settings.TASKS = {"default": BACKENDS[KIND]}
    queue = RealQueue()
    queue.clear()
    yield queue
    queue.clear()
