from django.apps import AppConfig
from django.conf import settings
from django.contrib.admin import apps as admin_apps


class SaasConfig(AppConfig):
    default = True
    name = "saas"
    verbose_name = "Site"

    def ready(self) -> None:
        if getattr(settings, "TASKS_URL", ""):
            # django-tasks-rq reports through the django-tasks backport's signals, not django.tasks'.
            from django_tasks.signals import task_finished

            from saas.worker import rq_task_finished

            task_finished.connect(rq_task_finished, dispatch_uid="saas.worker.rq_task_finished")


class LedgerlyAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "saas.admin_site.LedgerlyAdminSite"
