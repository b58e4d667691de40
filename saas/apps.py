from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class SaasConfig(AppConfig):
    default = True
    name = "saas"
    verbose_name = "Site"


class LedgerlyAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "saas.admin.LedgerlyAdminSite"
