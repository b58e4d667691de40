"""Enqueue the periodic tasks on their schedules: the `clock:` process of the Procfile."""

import signal

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from saas.background import enqueue


def build_scheduler() -> BlockingScheduler:
    """A scheduler that enqueues each task of settings.TASKS_PERIODIC on its crontab schedule."""
    scheduler = BlockingScheduler(timezone="UTC")
    for name, spec in settings.TASKS_PERIODIC.items():
        scheduler.add_job(
            enqueue,
            CronTrigger.from_crontab(spec["cron"], timezone="UTC"),
            args=[import_string(spec["task"])],
            id=name,
            name=name,
            # A run missed while the clock was down (a deploy) happens once when it is back, within an hour.
            coalesce=True,
            misfire_grace_time=3600,
            max_instances=1,
        )
    return scheduler


class Command(BaseCommand):
    help = (
        "Enqueue each task of settings.TASKS_PERIODIC on its crontab schedule (UTC); workers run them. Run "
        "one clock: the jobs are safe to run twice, so a second clock during a deploy does no harm."
    )

    def handle(self, *args, **options):
        scheduler = build_scheduler()
        for job in scheduler.get_jobs():
            self.stdout.write(f"{job.id}: {job.args[0].module_path} at {job.trigger}")

        def stop(signum, frame):
            scheduler.shutdown(wait=False)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"Clock started: {len(settings.TASKS_PERIODIC)} periodic task(s).")
        scheduler.start()
        self.stdout.write("Clock stopped.")
