"""Worker processes for both queues, and the recovery of tasks whose worker died.

Database queue (django-tasks-db): a worker claims one task at a time with `SELECT ... FOR UPDATE SKIP
LOCKED` and marks it RUNNING, so many workers on many machines never run the same task. A worker that is
SIGKILLed leaves its task RUNNING for good, so each worker here keeps a heartbeat row (saas.TaskWorker);
`tasks_recover_lost` fails the attempt of a task whose worker has been silent for TASKS_WORKER_LOST_AFTER
seconds and retries it like any failed attempt. Every worker runs it at start and every minute.

Redis queue (RQ): RQ claims a job atomically and keeps it in its started-job registry; a job whose worker
died is "abandoned" once its timeout has passed, and the next worker's registry cleanup reports it
through the failure callback, which `rq_task_finished` turns into a retry.
"""

import logging
import os
import signal
import socket
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import connections, transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django.utils.crypto import get_random_string

from saas.background import _HANDLED, META_KWARG, WorkerLost, log_run, retry_or_give_up
from saas.models import TaskWorker

logger = logging.getLogger("saas.worker")


def new_worker_id() -> str:
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(8)}"


def tasks_recover_lost() -> int:
    """Fail and retry the RUNNING tasks of workers that stopped sending heartbeats; how many were recovered."""
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    lost_before = now - timedelta(seconds=settings.TASKS_WORKER_LOST_AFTER)
    alive = set(TaskWorker.objects.filter(seen_at__gte=lost_before).values_list("id", flat=True))
    recovered = 0
    # RUNNING rows are at most one per worker; those started within the grace period are left alone.
    for row in DBTaskResult.objects.running().filter(started_at__lt=lost_before).order_by("started_at"):
        worker_id = row.worker_ids[-1] if row.worker_ids else "?"
        if worker_id in alive:
            continue
        error = WorkerLost(f"Worker {worker_id} stopped while running this task (no heartbeat since {lost_before}).")
        claimed = DBTaskResult.objects.filter(id=row.id, status=TaskResultStatus.RUNNING, started_at=row.started_at)
        if not claimed.update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            traceback=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}: {error}\n",
        ):
            continue  # another worker recovered it, or it finished after all
        recovered += 1
        _retry_lost(row, error)
    TaskWorker.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()
    return recovered


def _retry_lost(row, error: WorkerLost) -> None:
    kwargs = dict(row.args_kwargs.get("kwargs") or {})
    meta = kwargs.get(META_KWARG) or {}
    try:
        task_object = row.task
    except (ImportError, SuspiciousOperation):
        logger.exception("Lost task %s (%s) can no longer be loaded; left failed", row.id, row.task_path)
        return
    retried = retry_or_give_up(
        task_object=task_object, args=row.args_kwargs.get("args") or [], kwargs=kwargs, meta=meta, exc=error
    )
    started = row.started_at or timezone.now()
    log_run(
        task_path=row.task_path,
        task_id=str(row.id),
        attempt=int(meta.get("attempt") or 1),
        duration_ms=round((timezone.now() - started).total_seconds() * 1000, 2),
        outcome="retrying" if retried else "failed",
        error=error,
    )


def rq_task_finished(sender, task_result, **kwargs) -> None:
    """RQ's failure callback: retry a job no run of ours saw fail (its worker died: RQ "abandoned" it)."""
    if task_result.status != TaskResultStatus.FAILED:
        return
    if task_result.id in _HANDLED:
        _HANDLED.discard(task_result.id)
        return
    task_kwargs = dict(task_result.kwargs)
    meta = task_kwargs.get(META_KWARG) or {}
    error = WorkerLost("The worker running this job stopped before it finished (RQ abandoned it).")
    retried = retry_or_give_up(
        task_object=task_result.task, args=list(task_result.args), kwargs=task_kwargs, meta=meta, exc=error
    )
    log_run(
        task_path=task_result.task.module_path,
        task_id=task_result.id,
        attempt=int(meta.get("attempt") or 1),
        duration_ms=0.0,
        outcome="retrying" if retried else "failed",
        error=error,
    )


class _Heartbeat:
    """A thread that keeps this worker's TaskWorker row fresh and recovers lost tasks every minute."""

    def __init__(self, worker_id: str):
        self.worker_id = worker_id
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="task-worker-heartbeat", daemon=True)

    def register(self) -> None:
        now = timezone.now()
        TaskWorker.objects.update_or_create(
            id=self.worker_id,
            defaults={"hostname": socket.gethostname()[:255], "pid": os.getpid(), "seen_at": now},
            create_defaults={
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "seen_at": now,
                "started_at": now,
            },
        )

    def start(self) -> None:
        self.register()
        self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=settings.TASKS_WORKER_HEARTBEAT + 5)
        TaskWorker.objects.filter(id=self.worker_id).delete()

    def _loop(self) -> None:
        last_recovery = time.monotonic()
        try:
            while not self.stopped.wait(settings.TASKS_WORKER_HEARTBEAT):
                try:
                    if not TaskWorker.objects.filter(id=self.worker_id).update(seen_at=timezone.now()):
                        self.register()
                    if time.monotonic() - last_recovery >= min(60, settings.TASKS_WORKER_LOST_AFTER):
                        last_recovery = time.monotonic()
                        tasks_recover_lost()
                except Exception:
                    logger.warning("Task worker heartbeat failed; trying again", exc_info=True)
                    connections.close_all()
        finally:
            connections.close_all()


def run_database_worker(*, queue_names: list[str], burst: bool = False, worker_id: str | None = None) -> None:
    """Run tasks from the database queue until stopped (SIGTERM/SIGINT: finish the task in hand, then exit)."""
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=queue_names,
        interval=1,
        batch=burst,
        backend_name="default",
        startup_delay=not burst,
        max_tasks=None,
        worker_id=worker_id or new_worker_id(),
        excluded_queue_names=[],
    )
    heartbeat = _Heartbeat(worker.worker_id)
    heartbeat.start()
    # Under the development autoreloader the worker runs in a thread, where signals cannot be handled: the
    # reloader's process stops it then, and a task cut short is retried like a killed worker's.
    handles_signals = threading.current_thread() is threading.main_thread()
    signums = (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)
    previous = {signum: signal.getsignal(signum) for signum in signums} if handles_signals else {}
    try:
        tasks_recover_lost()
        if handles_signals:
            worker.configure_signals()
        logger.info("Task worker %s started", worker.worker_id, extra={"worker_id": worker.worker_id})
        worker.run()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        heartbeat.stop()
        logger.info("Task worker %s stopped", worker.worker_id, extra={"worker_id": worker.worker_id})


def run_redis_worker(*, queue_names: list[str], burst: bool = False, name: str | None = None) -> None:
    """Run jobs from RQ until stopped: SIGTERM finishes the job in hand (a second one stops at once)."""
    import django_rq
    from django_tasks_rq import Job
    from rq import SimpleWorker

    queues = [django_rq.get_queue(queue_name, job_class=Job) for queue_name in queue_names]
    # SimpleWorker runs each job in this process (no fork per job): a killed process is one abandoned job,
    # which RQ reports through the failure callback; a killed fork would be failed silently.
    worker = SimpleWorker(queues, connection=queues[0].connection, job_class=Job, name=name or new_worker_id())
    worker.work(burst=burst, with_scheduler=True, logging_level=settings.LOG_LEVEL)


# --- Failed tasks, for operators (the admin action and `rerun_tasks`) ------------------------------------

RETRY_SCHEDULED_PATH = "saas.background.RetryScheduled"


def failed_tasks(*, ids: list[str] | None = None, task_path: str | None = None) -> list[tuple[str, str, str]]:
    """Tasks that failed for good (their retries used up, or never retryable): (id, task path, error)."""
    from saas.background import backend_kind

    if backend_kind() == "redis":
        found = []
        queue, registry = _rq_failed_registry()
        for job_id in ids or registry.get_job_ids():
            job = queue.fetch_job(job_id)
            if job is None or job.get_status() != "failed" or (task_path and job.func_name != task_path):
                continue
            result = job.latest_result()
            lines = (result.exc_string or "").strip().splitlines() if result else []
            error = lines[-1] if lines else ""
            if not error.startswith(RETRY_SCHEDULED_PATH):  # an attempt whose retry was enqueued
                found.append((job.id, job.func_name, error))
        return found
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.failed().exclude(exception_class_path=RETRY_SCHEDULED_PATH).order_by("finished_at")
    if ids:
        rows = rows.filter(id__in=ids)
    if task_path:
        rows = rows.filter(task_path=task_path)
    return [(str(row.id), row.task_path, row.exception_class_path) for row in rows]


def task_rerun(*, task_id: str) -> str | None:
    """Run a failed task again from its first attempt; the new task's id (None if it is not failed any more).

    The failed record is replaced by the new task, which names it (`rerun_of`), so a second call does nothing.
    """
    from django.tasks import task_backends
    from django.utils.module_loading import import_string

    from saas.background import _enqueue, backend_kind

    if backend_kind() == "redis":
        queue, registry = _rq_failed_registry()
        job = queue.fetch_job(task_id)
        if job is None or job.get_status() != "failed":
            return None
        kwargs = dict(job.kwargs)
        meta = kwargs.pop(META_KWARG, None) or {}
        task_object = import_string(job.func_name)
        result = _enqueue(task_object, tuple(job.args), kwargs, {**meta, "attempt": 1, "rerun_of": job.id})
        registry.remove(job, delete_job=True)
        return result.id
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        row = (
            DBTaskResult.objects.select_for_update()
            .failed()
            .exclude(exception_class_path=RETRY_SCHEDULED_PATH)
            .filter(id=task_id)
            .first()
        )
        if row is None:
            return None
        kwargs = dict(row.args_kwargs.get("kwargs") or {})
        meta = kwargs.pop(META_KWARG, None) or {}
        task_object = row.task.using(backend=task_backends["default"].alias)
        args = tuple(row.args_kwargs.get("args") or [])
        result = _enqueue(task_object, args, kwargs, {**meta, "attempt": 1, "rerun_of": str(row.id)})
        row.delete()
    return result.id


def _rq_failed_registry():
    import django_rq
    from django_tasks_rq import Job

    queue = django_rq.get_queue("default", job_class=Job)
    return queue, queue.failed_job_registry
