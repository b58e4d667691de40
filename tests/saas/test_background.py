"""The task machinery: argument checks, retries with backoff, giving up, log lines, queue stats, commands."""

import logging
import uuid

import pytest
from django.core.management import CommandError, call_command

from saas.background import (
    InvalidTaskArguments,
    RetryPolicy,
    enqueue,
    enqueue_on_commit,
    queue_stats,
    validate_arguments,
)
from saas.logging import request_id_var
from tests import task_fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _forget_give_ups():
    task_fixtures.given_up.clear()


def task_lines(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "saas.tasks" and hasattr(record, "outcome")]


# --- Arguments ------------------------------------------------------------------------------------------


def test_an_object_argument_is_refused_when_enqueued(owner):
    with pytest.raises(InvalidTaskArguments, match="pass ids, not objects"):
        enqueue(task_fixtures.add, 1, 2, note=owner)


def test_an_unknown_argument_is_refused_when_enqueued():
    with pytest.raises(InvalidTaskArguments, match="unexpected keyword argument 'c'"):
        enqueue(task_fixtures.add, 1, 2, c=3)


def test_an_argument_of_the_wrong_type_is_refused_when_enqueued():
    with pytest.raises(InvalidTaskArguments, match="`b` must be <class 'int'>"):
        enqueue(task_fixtures.add, 1, "2")


def test_a_uuid_object_is_refused_but_its_string_is_taken():
    with pytest.raises(InvalidTaskArguments):
        validate_arguments(task_fixtures.append_line, (uuid.uuid4(), "x"), {})
    validate_arguments(task_fixtures.append_line, (str(uuid.uuid4()), "x"), {})


def test_arguments_are_checked_before_the_commit_not_after():
    with pytest.raises(InvalidTaskArguments):
        enqueue_on_commit(task_fixtures.add, 1)


def test_the_reserved_keyword_is_refused():
    with pytest.raises(InvalidTaskArguments, match="reserved"):
        enqueue(task_fixtures.add, 1, 2, _task_meta={"attempt": 9})


# --- Backoff ---------------------------------------------------------------------------------------------


def test_backoff_doubles_after_each_failed_attempt_up_to_the_limit():
    policy = RetryPolicy(max_attempts=10, backoff=30, max_backoff=600)

    delays = [policy.delay(attempt) for attempt in range(1, 8)]

    for delay, base in zip(delays, [30, 60, 120, 240, 480, 600, 600], strict=True):
        assert base <= delay <= base * 1.25


def test_a_permanent_error_is_not_retried():
    assert RetryPolicy(max_attempts=5).retries(ConnectionError(), 1) is True
    assert RetryPolicy(max_attempts=5).retries(ConnectionError(), 5) is False
    from saas.background import PermanentTaskError

    assert RetryPolicy(max_attempts=5).retries(PermanentTaskError(), 1) is False


# --- On the real queue -----------------------------------------------------------------------------------


def test_a_failed_task_is_retried_later_with_backoff(real_queue):
    enqueue(task_fixtures.flaky, "flaky-once", 1)

    real_queue.drain()

    (waiting,) = real_queue.scheduled()
    assert waiting.attempt == 2
    from django.utils import timezone

    seconds = (waiting.run_after - timezone.now()).total_seconds()
    assert 5 < seconds <= 12.5  # backoff=10 s for the second attempt, plus jitter
    real_queue.make_due()
    real_queue.drain()
    assert real_queue.scheduled() == []
    assert queue_stats() == {"queued": 0, "oldest_seconds": 0}
    assert task_fixtures.given_up == []


def test_a_task_that_keeps_failing_is_given_up_after_max_attempts(real_queue, caplog):
    enqueue(task_fixtures.flaky, "flaky-always", 99)

    for _ in range(3):
        real_queue.drain()
        real_queue.make_due()

    assert real_queue.scheduled() == []
    assert task_fixtures.given_up == [({"key": "flaky-always", "failures": 99}, "ConnectionError")]
    outcomes = [(record.attempt, record.outcome) for record in task_lines(caplog)]
    assert outcomes == [(1, "retrying"), (2, "retrying"), (3, "failed")]


def test_a_permanent_error_gives_up_at_once(real_queue):
    enqueue(task_fixtures.refuses, "bad input")

    real_queue.drain()

    assert real_queue.scheduled() == []


def test_each_run_logs_one_line_with_the_request_id_of_the_enqueuing_request(real_queue, caplog):
    token = request_id_var.set("req-1234")
    try:
        enqueue(task_fixtures.add, 2, 3)
    finally:
        request_id_var.reset(token)
    caplog.set_level(logging.INFO, logger="saas.tasks")

    real_queue.drain()

    (line,) = task_lines(caplog)
    assert line.task_name == "tests.task_fixtures.add"
    assert line.outcome == "succeeded"
    assert line.attempt == 1
    assert isinstance(line.duration_ms, float)
    assert line.task_id
    assert line.request_id == "req-1234"


def test_health_reports_the_queue_depth_and_the_oldest_tasks_age(real_queue, client):
    enqueue(task_fixtures.add, 1, 1)
    enqueue(task_fixtures.add, 2, 2)

    tasks = client.get("/api/health").json()["services"]["tasks"]

    assert tasks["queued"] == 2
    assert 0 <= tasks["oldest_seconds"] < 60


def test_health_counts_no_task_waiting_for_its_backoff(real_queue):
    enqueue(task_fixtures.flaky, "flaky-health", 1)
    real_queue.drain()

    assert queue_stats() == {"queued": 0, "oldest_seconds": 0}


# --- Commands ---------------------------------------------------------------------------------------------


def test_run_periodic_refuses_an_unknown_name():
    with pytest.raises(CommandError, match="No periodic task named nope"):
        call_command("run_periodic", "nope")


def test_run_periodic_enqueues_the_named_task(real_queue):
    call_command("run_periodic", "clear_expired_sessions")

    assert queue_stats()["queued"] == 1


def test_the_clock_schedules_every_periodic_task():
    from django.conf import settings
    from django.tasks import Task

    from saas.management.commands.clock import build_scheduler

    scheduler = build_scheduler()

    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == set(settings.TASKS_PERIODIC)
    for name, spec in settings.TASKS_PERIODIC.items():
        (task_object,) = jobs[name].args
        assert isinstance(task_object, Task)
        assert task_object.module_path == spec["task"]
