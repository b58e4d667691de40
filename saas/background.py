"""Background tasks on Django's tasks framework (`django.tasks`), with what the framework leaves to us.

Define a task with `@background_task` and enqueue it with `enqueue_on_commit`:

    @background_task(max_attempts=8, backoff=30)
    def email_send(outbox_id: str) -> str:
        return emails.email_send(outbox_id=outbox_id)

    enqueue_on_commit(email_send, outbox_id=str(row.id))

What this adds to a plain `@task`:
- arguments are checked when enqueued (they bind to the function's signature, are JSON, and match simple
  type hints), so a bad call fails in the caller, never later in a worker;
- a failed run is retried with exponential backoff (a new run, `run_after` later) up to `max_attempts`, then
  kept as failed with its error; `PermanentTaskError` and `give_up_on` skip the retries;
- the request id of the request that enqueued the task is set while it runs, so every log line of the task
  carries it, and each run writes one JSON log line: task_name, task_id, attempt, duration_ms, outcome.

The queue is the backend's (settings.TASKS): a table in the main database by default (django-tasks-db),
RQ on Redis when TASKS_URL is set. Both backends run the same tasks the same way.
"""

import functools
import inspect
import json
import logging
import random
import time
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.tasks import Task, task
from django.utils import timezone

from saas.db import field_column
from saas.logging import request_id_var

logger = logging.getLogger("saas.tasks")

# Reserved keyword argument carrying the attempt number and the enqueuing request's id.
META_KWARG = "_task_meta"


class PermanentTaskError(Exception):
    """Raised by a task that must not be retried (its input can never succeed)."""


class RetryScheduled(Exception):
    """Recorded as the error of a failed attempt whose retry is already enqueued (the cause is chained)."""


class WorkerLost(Exception):
    """The worker running this attempt stopped without finishing it (killed, out of memory, machine lost)."""


class InvalidTaskArguments(TypeError):
    """A task was enqueued with arguments it cannot take: fix the caller."""


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    backoff: float = 30.0  # seconds before the second attempt; doubles for each further one
    max_backoff: float = 3600.0
    give_up_on: tuple[type[BaseException], ...] = ()
    # Called with the task's arguments (a dict by name) and the last error when the task is given up.
    on_give_up: Callable[..., None] | None = None

    def delay(self, failed_attempt: int) -> float:
        """Seconds to wait after attempt `failed_attempt` (1-based) failed, with up to 25% jitter."""
        base = min(self.backoff * 2 ** (failed_attempt - 1), self.max_backoff)
        return base * (1 + random.random() / 4)

    def retries(self, exc: BaseException, attempt: int) -> bool:
        if isinstance(exc, (PermanentTaskError, InvalidTaskArguments, *self.give_up_on)):
            return False
        return attempt < self.max_attempts


@dataclass(frozen=True)
class _Registered:
    func: Callable[..., Any]
    policy: RetryPolicy
    signature: inspect.Signature
    hints: dict[str, Any]


# module path of the Task -> what background_task knows about it
_REGISTRY: dict[str, _Registered] = {}
# Ids of runs whose failure this process already handled (retried or gave up): the RQ failure callback
# (saas.apps) retries only the failures no run saw, i.e. abandoned jobs.
_HANDLED: set[str] = set()


def background_task(
    function: Callable[..., Any] | None = None,
    *,
    max_attempts: int = 5,
    backoff: float = 30.0,
    max_backoff: float = 3600.0,
    give_up_on: tuple[type[BaseException], ...] = (),
    on_give_up: Callable[..., None] | None = None,
    queue_name: str = "default",
):
    """`django.tasks.task` with argument checks, retries with exponential backoff, request ids and a log line.

    `on_give_up(arguments, error)` runs when the last attempt fails (to mark the work failed for the user);
    `arguments` maps the task's parameter names to the values it was enqueued with.
    """
    policy = RetryPolicy(
        max_attempts=max_attempts,
        backoff=backoff,
        max_backoff=max_backoff,
        give_up_on=give_up_on,
        on_give_up=on_give_up,
    )

    def decorate(func: Callable[..., Any]) -> Task:
        def run(context, *args, **kwargs):
            meta = kwargs.pop(META_KWARG, None) or {}
            return _run(func, context, args, kwargs, meta)

        # Not functools.wraps: its __wrapped__ would make Django check the inner signature for `context`.
        run.__module__, run.__name__, run.__qualname__ = func.__module__, func.__name__, func.__qualname__
        run.__doc__ = func.__doc__
        task_object = task(run, takes_context=True, queue_name=queue_name)
        _REGISTRY[task_object.module_path] = _Registered(
            func=func, policy=policy, signature=inspect.signature(func), hints=typing.get_type_hints(func)
        )
        return task_object

    return decorate(function) if function is not None else decorate


def policy_for(task_object: Task) -> RetryPolicy:
    registered = _REGISTRY.get(task_object.module_path)
    return registered.policy if registered else RetryPolicy(max_attempts=1)


# --- Enqueueing ---------------------------------------------------------------------------------------


def validate_arguments(task_object: Task, args: tuple, kwargs: dict) -> None:
    """InvalidTaskArguments unless the task can take these arguments: they bind, are JSON, match simple hints."""
    registered = _REGISTRY.get(task_object.module_path)
    if registered is None:
        raise InvalidTaskArguments(f"{task_object.module_path} is not a @background_task.")
    if META_KWARG in kwargs:
        raise InvalidTaskArguments(f"{META_KWARG} is reserved.")
    try:
        bound = registered.signature.bind(*args, **kwargs)
    except TypeError as exc:
        raise InvalidTaskArguments(f"{task_object.name}: {exc}") from None
    for name, value in bound.arguments.items():
        try:
            same = json.loads(json.dumps(value, allow_nan=False)) == value
        except (TypeError, ValueError):
            same = False
        if not same:
            raise InvalidTaskArguments(
                f"{task_object.name}: `{name}` must be plain JSON (str, int, bool, list, dict, None); "
                f"pass ids, not objects (got {type(value).__name__})."
            )
        hint = registered.hints.get(name)
        if hint is not None and not _matches(value, hint):
            raise InvalidTaskArguments(f"{task_object.name}: `{name}` must be {hint}, not {type(value).__name__}.")


def _matches(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, member) for member in typing.get_args(hint))
    if hint is type(None) or hint is None:
        return value is None
    plain = origin or hint
    if plain is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if plain is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(plain, type) and plain in (str, bool, list, dict):
        return isinstance(value, plain)
    return True  # hints we do not check (Any, TypedDict, ...)


def enqueue(task_object: Task, *args: Any, **kwargs: Any):
    """Validate, then enqueue now (outside a transaction, or when the caller manages commits itself)."""
    validate_arguments(task_object, args, kwargs)
    return _enqueue(task_object, args, kwargs, {"attempt": 1, "request_id": request_id_var.get()})


def enqueue_on_commit(task_object: Task, *args: Any, using: str | None = None, **kwargs: Any) -> None:
    """Validate now, enqueue when the current transaction commits (at once outside one).

    The arguments are checked here, so a bad call raises in the caller. An error while enqueueing (the
    queue's server down) is logged, not raised: the caller's transaction has already committed.
    """
    validate_arguments(task_object, args, kwargs)
    meta = {"attempt": 1, "request_id": request_id_var.get()}
    transaction.on_commit(partial(_enqueue, task_object, args, kwargs, meta), using=using, robust=True)


def _enqueue(task_object: Task, args: tuple, kwargs: dict, meta: dict, run_after=None):
    if run_after is not None:
        task_object = task_object.using(run_after=run_after)
    return task_object.enqueue(*args, **kwargs, **{META_KWARG: meta})


def run_here(task_object: Task, *args: Any, **kwargs: Any) -> Any:
    """Run a task's function in this process now (no queue, no retry), with its log line; what it returns."""
    validate_arguments(task_object, args, kwargs)
    func = _REGISTRY[task_object.module_path].func
    started = time.perf_counter()
    outcome, error = "succeeded", None
    try:
        return func(*args, **kwargs)
    except BaseException as exc:
        outcome, error = "failed", exc
        raise
    finally:
        log_run(
            task_path=task_object.module_path,
            task_id="here",
            attempt=1,
            duration_ms=round((time.perf_counter() - started) * 1000, 2),
            outcome=outcome,
            error=error,
        )


# --- Running ------------------------------------------------------------------------------------------


def _run(func: Callable[..., Any], context, args: tuple, kwargs: dict, meta: dict) -> Any:
    task_result = context.task_result
    attempt = int(meta.get("attempt") or 1)
    token = request_id_var.set(meta.get("request_id") or task_result.id)
    started = time.perf_counter()
    outcome, error = "succeeded", None
    try:
        return func(*args, **kwargs)
    except BaseException as exc:
        error = exc
        retried = retry_or_give_up(task_object=task_result.task, args=args, kwargs=kwargs, meta=meta, exc=exc)
        if type(task_result.task.get_backend()).__module__.startswith("django_tasks_rq"):
            _HANDLED.add(task_result.id)  # the failure callback that follows in this process discards it
        outcome = "retrying" if retried else "failed"
        if retried:
            # Also for SystemExit (a worker stopped mid-task): the worker exits all the same, having been
            # told to stop, and the attempt is recorded as retried rather than failed for good.
            raise RetryScheduled(f"Attempt {attempt} failed; attempt {attempt + 1} is queued.") from exc
        raise
    finally:
        log_run(
            task_path=task_result.task.module_path,
            task_id=task_result.id,
            attempt=attempt,
            duration_ms=round((time.perf_counter() - started) * 1000, 2),
            outcome=outcome,
            error=error,
        )
        request_id_var.reset(token)


def log_run(*, task_path: str, task_id: str, attempt: int, duration_ms: float, outcome: str, error=None) -> None:
    """The one log line of a task run (outcome: succeeded, retrying, failed, lost)."""
    extra = {
        "task_name": task_path,
        "task_id": str(task_id),
        "attempt": attempt,
        "duration_ms": duration_ms,
        "outcome": outcome,
    }
    if error is not None:
        extra["error"] = f"{type(error).__name__}: {str(error)[:300]}"
    level = logging.INFO if outcome == "succeeded" else logging.WARNING if outcome == "retrying" else logging.ERROR
    logger.log(level, "Task %s %s", task_path, outcome, extra=extra)


def retry_or_give_up(*, task_object: Task, args, kwargs: dict, meta: dict, exc: BaseException) -> bool:
    """After a failed attempt: enqueue the next one `delay` later and return True, or return False (gave up)."""
    attempt = int(meta.get("attempt") or 1)
    policy = policy_for(task_object)
    kwargs = {key: value for key, value in kwargs.items() if key != META_KWARG}
    # The immediate backend (tests) runs tasks in the caller: there is no later to retry in.
    if policy.retries(exc, attempt) and task_object.get_backend().supports_defer:
        run_after = timezone.now() + timedelta(seconds=policy.delay(attempt))
        try:
            _enqueue(task_object, tuple(args), kwargs, {**meta, "attempt": attempt + 1}, run_after=run_after)
            return True
        except Exception:
            logger.exception("Could not enqueue the retry of %s", task_object.module_path)
    if policy.on_give_up is not None:
        try:
            arguments = _REGISTRY[task_object.module_path].signature.bind(*args, **kwargs).arguments
            policy.on_give_up(dict(arguments), exc)
        except Exception:
            logger.exception("on_give_up of %s failed", task_object.module_path)
    return False


# --- What operators and the health check see ------------------------------------------------------------


def backend_kind() -> str:
    """ "database" or "redis": which queue settings.TASKS uses."""
    return "redis" if getattr(settings, "TASKS_URL", "") else "database"


def queue_stats() -> dict[str, int | float | None]:
    """Tasks waiting to run now, and how long the oldest has waited: one indexed query, or two Redis calls.

    `None` values when the queue cannot be read (logged); the health check keeps answering.
    """
    try:
        if backend_kind() == "redis":
            return _redis_queue_stats()
        return database_queue_stats()
    except Exception:
        logger.warning("Health check: the task queue cannot be read", exc_info=True)
        return {"queued": None, "oldest_seconds": None}


@functools.cache
def _ready_tasks_sql(vendor: str) -> str:
    # Written once as SQL: the health check asks on every probe, and building this aggregate with the ORM
    # cost several times what the database spends answering it. The partial index on READY rows serves it.
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    quote = connection.ops.quote_name
    column = {f.name: quote(field_column(f)) for f in DBTaskResult._meta.concrete_fields}
    return (
        f"SELECT COUNT(*), MIN(CASE WHEN {column['run_after']} = %s THEN {column['enqueued_at']} "  # noqa: S608 - names from the model, values are parameters
        f"ELSE {column['run_after']} END) FROM {quote(DBTaskResult._meta.db_table)} "
        f"WHERE {column['status']} = %s AND ({column['run_after']} = %s OR {column['run_after']} <= %s)"
    )


def database_queue_stats() -> dict[str, int | float | None]:
    """The database queue's READY tasks that are due (what `DBTaskResult.objects.ready()` selects): how many,
    and how long the oldest has waited since it was enqueued or its backoff ran out. Raises when the database
    cannot be reached, so this one query is also the health check's database check."""
    from django.db import connection
    from django.utils.dateparse import parse_datetime
    from django_tasks_db.models import get_date_max

    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    far_future = adapt(get_date_max())
    with connection.cursor() as cursor:
        cursor.execute(_ready_tasks_sql(connection.vendor), [far_future, "READY", far_future, adapt(now)])
        queued, since = cursor.fetchone()
    if isinstance(since, str):  # SQLite answers a MIN over a CASE as text
        since = parse_datetime(since)
    if since is not None and timezone.is_naive(since):
        since = timezone.make_aware(since, UTC)
    oldest = (now - since).total_seconds() if since is not None else 0.0
    return {"queued": int(queued), "oldest_seconds": round(max(oldest, 0.0), 3)}


def _redis_queue_stats() -> dict[str, int | float | None]:
    from django_rq import get_queue
    from django_tasks_rq import Job

    queue = get_queue("default", job_class=Job)
    queued = queue.count
    oldest = 0.0
    if queued:
        first = queue.get_job_ids(0, 0)
        job = queue.fetch_job(first[0]) if first else None
        if job is not None and job.enqueued_at is not None:
            enqueued_at = job.enqueued_at
            if timezone.is_naive(enqueued_at):
                enqueued_at = timezone.make_aware(enqueued_at, UTC)
            oldest = (timezone.now() - enqueued_at).total_seconds()
    return {"queued": queued, "oldest_seconds": round(max(oldest, 0.0), 3)}
