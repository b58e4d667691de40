"""Workers: lost tasks recovered, failed tasks run again; real worker processes on PostgreSQL."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from saas.background import enqueue
from saas.models import TaskWorker
from saas.worker import failed_tasks, tasks_recover_lost
from tests import task_fixtures
from tests.tasks_support import KIND

pytestmark = pytest.mark.django_db

database_queue_only = pytest.mark.skipif(KIND != "database", reason="Recovery by heartbeat is the database queue's.")
REPO = Path(__file__).resolve().parents[2]


def _stranded(*, worker_id: str, seen_seconds_ago: float, started_seconds_ago: float = 300):
    """A task RUNNING on `worker_id`, whose last heartbeat was `seen_seconds_ago`."""
    from django_tasks_db.models import DBTaskResult

    result = enqueue(task_fixtures.add, 1, 2)
    now = timezone.now()
    DBTaskResult.objects.filter(id=result.id).update(
        status="RUNNING", started_at=now - timedelta(seconds=started_seconds_ago), worker_ids=[worker_id]
    )
    TaskWorker.objects.create(id=worker_id, hostname="gone", pid=1, seen_at=now - timedelta(seconds=seen_seconds_ago))
    return DBTaskResult.objects.get(id=result.id)


@database_queue_only
def test_a_task_whose_worker_stopped_beating_fails_that_attempt_and_is_retried(real_queue):
    stranded = _stranded(worker_id="dead-worker", seen_seconds_ago=600)

    assert tasks_recover_lost() == 1

    stranded.refresh_from_db()
    assert stranded.status == "FAILED"
    assert stranded.exception_class_path == "saas.background.WorkerLost"
    (retry,) = real_queue.scheduled()
    assert (retry.task_path, retry.attempt) == ("tests.task_fixtures.add", 2)
    assert tasks_recover_lost() == 0


@database_queue_only
def test_a_running_task_of_a_live_worker_is_left_alone(real_queue):
    running = _stranded(worker_id="live-worker", seen_seconds_ago=1)

    assert tasks_recover_lost() == 0

    running.refresh_from_db()
    assert running.status == "RUNNING"


def test_rerun_tasks_runs_a_task_that_failed_for_good_once(real_queue):
    enqueue(task_fixtures.flaky, "rerun-me", 3)
    for _ in range(3):
        real_queue.drain()
        real_queue.make_due()
    assert [path for _, path, _ in failed_tasks()] == ["tests.task_fixtures.flaky"]

    call_command("rerun_tasks")
    call_command("rerun_tasks")
    real_queue.drain()

    assert failed_tasks() == []
    from django.core.cache import cache

    assert cache.get("rerun-me") == 4  # three failed runs, then the one run again


@database_queue_only
def test_staff_can_run_a_failed_task_again_from_the_admin(client, staff, real_queue):
    enqueue(task_fixtures.refuses, "bad input")
    real_queue.drain()
    ((task_id, _, error),) = failed_tasks()
    assert error == "saas.background.PermanentTaskError"
    client.force_login(staff)

    response = client.post(
        "/admin/django_tasks_database/dbtaskresult/", {"action": "run_again", "_selected_action": [task_id]}
    )

    assert response.status_code == 302
    from django_tasks_db.models import DBTaskResult

    (again,) = DBTaskResult.objects.all()
    assert again.status == "READY"
    assert again.args_kwargs["kwargs"]["_task_meta"]["rerun_of"] == task_id


@database_queue_only
def test_the_admin_lists_tasks_that_failed_for_good(client, staff, real_queue):
    enqueue(task_fixtures.refuses, "bad input")
    real_queue.drain()
    client.force_login(staff)

    page = client.get("/admin/django_tasks_database/dbtaskresult/?failed=given_up")

    assert page.status_code == 200
    assert b"refuses" in page.content


# --- Real worker processes (PostgreSQL: a subprocess shares the test database) -----------------------------

processes_on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql" or KIND != "database",
    reason="Needs PostgreSQL and the database queue: worker subprocesses share the test database (SQLite keeps it "
    "in memory); on Redis, RQ recovers killed workers' jobs itself.",
)


def start_worker(tmp_path: Path, *args: str) -> subprocess.Popen:
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.worker_settings", "DATABASE_URL": url}
    log = (tmp_path / f"worker-{time.monotonic_ns()}.log").open("w")
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker", *args], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
    )


def wait_for(condition, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out waiting for {what}")
        time.sleep(0.1)


@processes_on_postgresql
def test_a_killed_workers_task_runs_again_on_restart_and_applies_once(real_queue, tmp_path):
    from django_tasks_db.models import DBTaskResult

    effects = tmp_path / "effects.txt"
    enqueue(task_fixtures.append_line, str(effects), "invoice 42 paid", hold_seconds=60)
    first = start_worker(tmp_path)
    wait_for(lambda: Path(f"{effects}.started").exists(), seconds=30, what="the task to start")

    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    assert not effects.exists()
    assert DBTaskResult.objects.get().status == "RUNNING"
    second = start_worker(tmp_path)
    try:
        wait_for(effects.exists, seconds=30, what="the task to run again")
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=20) == 0

    assert effects.read_text() == "invoice 42 paid\n"
    statuses = sorted(DBTaskResult.objects.values_list("status", "exception_class_path"))
    assert statuses == [("FAILED", "saas.background.WorkerLost"), ("SUCCESSFUL", "")]


@processes_on_postgresql
def test_sigterm_lets_the_task_in_hand_finish_before_the_worker_exits(real_queue, tmp_path):
    from django_tasks_db.models import DBTaskResult

    effects = tmp_path / "effects.txt"
    enqueue(task_fixtures.append_line, str(effects), "done", hold_seconds=2)
    worker = start_worker(tmp_path)
    wait_for(lambda: Path(f"{effects}.started").exists(), seconds=30, what="the task to start")

    worker.send_signal(signal.SIGTERM)

    assert worker.wait(timeout=20) == 0
    assert effects.read_text() == "done\n"
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert not TaskWorker.objects.exists()


@processes_on_postgresql
def test_two_workers_never_run_the_same_task(real_queue, tmp_path):
    runs = tmp_path / "runs.txt"
    keys = [f"task-{n}" for n in range(300)]
    for key in keys:
        enqueue(task_fixtures.record_run, str(runs), key, 0.02)  # 6 s of work in all: room for both to start

    workers = [start_worker(tmp_path, "--burst"), start_worker(tmp_path, "--burst")]
    for worker in workers:
        assert worker.wait(timeout=120) == 0

    lines = [line.split() for line in runs.read_text().splitlines()]
    assert sorted(key for key, _ in lines) == sorted(keys)
    assert len({pid for _, pid in lines}) == 2, "both workers took tasks"


@pytest.mark.skipif(KIND != "redis", reason="The RQ dashboard exists when the queue is on Redis.")
def test_staff_see_a_task_that_failed_for_good_in_the_rq_dashboard(client, staff, real_queue):
    enqueue(task_fixtures.refuses, "bad input")
    real_queue.drain()
    ((task_id, _, _),) = failed_tasks()
    client.force_login(staff)

    page = client.get("/admin/django_rq/dashboard/queues/0/failed/")

    assert page.status_code == 200
    assert task_id.encode() in page.content
