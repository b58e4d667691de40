"""Run failed background tasks again: every one that failed for good, or those chosen."""

from django.core.management.base import BaseCommand, CommandError

from saas.worker import failed_tasks, task_rerun


class Command(BaseCommand):
    help = (
        "Enqueue again the tasks that failed for good (their retries used up), from their first attempt. "
        "--id picks tasks, --task narrows by task path. The failed record is replaced by the new task, so "
        "running it twice enqueues nothing more."
    )

    def add_arguments(self, parser):
        parser.add_argument("--id", action="append", default=[], dest="ids", help="A task id; repeat for several.")
        parser.add_argument("--task", dest="task_path", help="Only this task, e.g. accounts.tasks.email_send.")
        parser.add_argument("--dry-run", action="store_true", help="List what would run again.")

    def handle(self, *args, ids: list[str], task_path: str | None, dry_run: bool, **options):
        found = failed_tasks(ids=ids or None, task_path=task_path)
        missing = set(ids) - {task_id for task_id, _, _ in found}
        if missing:
            raise CommandError(f"No task failed for good has the id {', '.join(sorted(missing))}.")
        if not found:
            self.stdout.write("No failed task.")
            return
        for task_id, path, error in found:
            if dry_run:
                self.stdout.write(f"{task_id} {path}: {error}")
                continue
            new_id = task_rerun(task_id=task_id)
            self.stdout.write(f"{task_id} {path}: enqueued again as {new_id}" if new_id else f"{task_id}: skipped")
        self.stdout.write(f"{len(found)} task(s) {'would run' if dry_run else 'enqueued'} again.")
