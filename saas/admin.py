from django.contrib import admin, messages
from django.http import HttpRequest
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows staff may look at but never add, change or delete here (audit events, Polar's rows, ledgers)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


# --- Background tasks of the database queue (django-tasks-db), with "Run again" for failed ones --------------


class FailedForGoodFilter(admin.SimpleListFilter):
    title = "failed"
    parameter_name = "failed"

    def lookups(self, request, model_admin):
        return [("given_up", "For good (retries used up)"), ("retried", "An attempt, retried")]

    def queryset(self, request, queryset):
        from saas.worker import RETRY_SCHEDULED_PATH

        if self.value() == "given_up":
            return queryset.failed().exclude(exception_class_path=RETRY_SCHEDULED_PATH)
        if self.value() == "retried":
            return queryset.failed().filter(exception_class_path=RETRY_SCHEDULED_PATH)
        return queryset


if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(DBTaskResultAdmin):
    # django_tasks_db's admin has no annotations, so mypy takes its tuples' lengths as their types.
    list_display = ("task_name", "status", "attempt", "enqueued_at", "finished_at", "exception_class_path")  # type: ignore[assignment]
    list_filter = (FailedForGoodFilter, "status", "queue_name")  # type: ignore[assignment]
    search_fields = ("id", "task_path")
    actions = ["run_again"]

    @admin.display(description="attempt")
    def attempt(self, obj: DBTaskResult) -> int:
        return ((obj.args_kwargs.get("kwargs") or {}).get("_task_meta") or {}).get("attempt", 1)

    @admin.action(description="Run the selected failed tasks again")
    def run_again(self, request: HttpRequest, queryset) -> None:
        from saas.worker import task_rerun

        selected = [str(task_id) for task_id in queryset.values_list("id", flat=True)]
        rerun = [new_id for task_id in selected if (new_id := task_rerun(task_id=task_id))]
        if rerun:
            self.message_user(request, f"{len(rerun)} task(s) enqueued again.", messages.SUCCESS)
        if len(selected) > len(rerun):
            skipped = len(selected) - len(rerun)
            self.message_user(request, f"{skipped} task(s) had not failed for good: left alone.", messages.WARNING)
