"""The dashboard shows each subscriber's plan (name, price): a plan's change, wherever it comes from (the
admin, `sync_polar_products`), moves its subscribers' data versions on, so their cached overviews are
rebuilt at once (accounts.services.user_data_changed). Subscriptions themselves move their owner's version
in their one writer, `subscription_upsert_from_polar`."""

from django.db.models import F
from django.db.models.signals import post_delete, post_save, pre_save

from accounts.models import User
from billing.models import Plan


def _remember_product(sender, instance: Plan, **kwargs) -> None:
    # A sync can move a plan to another product (a demo plan taken over by the real one): both sets of
    # subscribers see the change.
    instance._product_before = (
        Plan.objects.filter(pk=instance.pk).values_list("polar_product_id", flat=True).first() if instance.pk else None
    )


def _plan_changed(sender, instance: Plan, **kwargs) -> None:
    products = {instance.polar_product_id, getattr(instance, "_product_before", None)} - {None, ""}
    User.objects.filter(subscriptions__product_id__in=products).update(data_version=F("data_version") + 1)


def connect() -> None:
    pre_save.connect(_remember_product, sender=Plan, dispatch_uid="billing.plan.remember_product")
    post_save.connect(_plan_changed, sender=Plan, dispatch_uid="billing.plan.changed")
    post_delete.connect(_plan_changed, sender=Plan, dispatch_uid="billing.plan.deleted")
