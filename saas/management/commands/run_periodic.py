"""Enqueue (or run here) one periodic task now: what the clock does on schedule."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from saas.background import enqueue, run_here


class Command(BaseCommand):
    help = (
        "Enqueue a periodic task of settings.TASKS_PERIODIC now (--here: run it in this process instead). "
        "For platforms whose own scheduler replaces the clock process. Every periodic task is safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help=f"Which: {', '.join(settings.TASKS_PERIODIC)}.")
        parser.add_argument("--all", action="store_true", help="Every periodic task.")
        parser.add_argument("--here", action="store_true", help="Run in this process rather than enqueue.")

    def handle(self, *args, names: list[str], all: bool, here: bool, **options):
        periodic = settings.TASKS_PERIODIC
        chosen = list(periodic) if all else names
        if not chosen:
            raise CommandError(f"Name a periodic task ({', '.join(periodic)}) or pass --all.")
        unknown = [name for name in chosen if name not in periodic]
        if unknown:
            raise CommandError(f"No periodic task named {', '.join(unknown)}; there are: {', '.join(periodic)}.")
        for name in chosen:
            task_object = import_string(periodic[name]["task"])
            if here:
                self.stdout.write(f"{name}: {run_here(task_object)}")
            else:
                result = enqueue(task_object)
                self.stdout.write(f"{name}: enqueued as {result.id}")
