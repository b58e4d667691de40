from django.db import models
from django.utils import timezone


class TaskWorker(models.Model):
    """A running `worker` process of the database queue; its heartbeat tells the others it is alive.

    A task left RUNNING by a worker whose heartbeat stopped (killed, out of memory, machine gone) was lost
    with it: saas.worker.tasks_recover_lost fails that attempt and retries the task.
    """

    id = models.CharField(primary_key=True, max_length=64, help_text="The worker id stored on the tasks it runs.")
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid}"
