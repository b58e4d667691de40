"""Billing in the admin: plans are edited here; Polar's mirrored objects and webhook events are read-only."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from billing import polar, services, webhooks
from billing.models import Order, Plan, Subscription, WebhookEvent
from saas.admin import ReadOnlyAdmin


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "slug",
        "price_amount",
        "currency",
        "interval",
        "max_bank_accounts",
        "is_active",
        "sort_order",
    )
    list_editable = ("is_active", "sort_order")
    list_filter = ("is_active", "interval")
    search_fields = ("name", "slug", "polar_product_id")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at", "updated_at")


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "user",
        "status",
        "product_id",
        "amount",
        "currency",
        "current_period_end",
        "cancel_at_period_end",
        "modified_at",
    )
    list_filter = ("status", "cancel_at_period_end", "recurring_interval")
    search_fields = ("id", "user__email", "customer_id", "product_id", "checkout_id")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    actions = ("resync_users",)

    def has_resync_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or request.user.has_perm("billing.change_subscription")

    @admin.action(description="Re-sync these users' subscriptions from Polar", permissions=["resync"])
    def resync_users(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        users = {subscription.user for subscription in queryset.select_related("user") if subscription.user is not None}
        if not users:
            self.message_user(request, "None of these subscriptions is linked to a user.", messages.WARNING)
            return
        try:
            client = polar.get_client()
        except polar.PolarNotConfigured as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        synced, failed = 0, []
        for user in users:
            try:
                synced += services.subscriptions_sync_for_user(user=user, client=client)
            except polar.PolarError as error:
                failed.append(f"{user.email}: {error.message}")
        if failed:
            self.message_user(request, "Some users could not be synced: " + "; ".join(failed), messages.ERROR)
        self.message_user(request, f"Synced {synced} subscription(s) for {len(users) - len(failed)} user(s).")


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("id", "user", "status", "paid", "total_amount", "currency", "billing_reason", "created_at")
    list_filter = ("status", "paid", "billing_reason", "currency")
    search_fields = ("id", "user__email", "invoice_number", "subscription_id", "customer_id")
    list_select_related = ("user",)
    date_hierarchy = "created_at"


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ("webhook_id", "type", "state", "user", "object_id", "attempts", "received_at", "processed_at")
    list_filter = ("state", "type")
    search_fields = ("webhook_id", "object_id", "type", "user__email")
    list_select_related = ("user",)
    date_hierarchy = "received_at"
    actions = ("replay",)

    def has_replay_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or request.user.has_perm("billing.change_webhookevent")

    @admin.action(description="Replay selected events", permissions=["replay"])
    def replay(self, request: HttpRequest, queryset: QuerySet[WebhookEvent]) -> None:
        done, failed = 0, []
        for event in queryset.order_by("received_at", "id"):
            try:
                services.webhook_event_replay(event=event, handler=webhooks.handler_for(event.type))
                done += 1
            except Exception as error:
                failed.append(f"{event.webhook_id}: {type(error).__name__}: {error}")
        if failed:
            self.message_user(
                request, "Failed again (the error is on each event): " + "; ".join(failed), messages.ERROR
            )
        if done:
            self.message_user(request, f"Replayed {done} event(s).")
