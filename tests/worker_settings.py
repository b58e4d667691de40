"""Settings of a worker subprocess started by the tests: the test settings on the real queue, fast heartbeats."""

from tests.settings import *  # noqa: F403
from tests.tasks_support import BACKENDS, KIND

TASKS = {"default": BACKENDS[KIND]}
TASKS_WORKER_HEARTBEAT = 0.5
TASKS_WORKER_LOST_AFTER = 3
LOG_LEVEL = "INFO"
