from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class Plan(models.Model):
    """A plan shown on /pricing, sold as one Polar product."""

    class Interval(models.TextChoices):
        DAY = "day", "Daily"
        WEEK = "week", "Weekly"
        MONTH = "month", "Monthly"
        YEAR = "year", "Yearly"

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    polar_product_id = models.CharField(max_length=64, unique=True)
    price_amount = models.PositiveIntegerField(help_text="Displayed price in minor units (cents).")
    currency = models.CharField(max_length=3, default="USD")
    interval = models.CharField(max_length=10, choices=Interval.choices, default=Interval.MONTH)
    features = models.JSONField(default=list, blank=True, help_text="A list of short feature lines.")
    max_bank_accounts = models.PositiveIntegerField(
        null=True, blank=True, help_text="Bank accounts a subscriber may link; empty means no limit."
    )
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    # The product before a save, set by billing.signals so both products' subscribers see a change.
    _product_before: str | None

    class Meta:
        ordering = ["sort_order", "price_amount"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if not isinstance(self.features, list) or not all(isinstance(line, str) for line in self.features):
            errors["features"] = 'Enter the features as a JSON list of short lines, e.g. ["Unlimited accounts"].'
        if self.currency and (len(self.currency) != 3 or not self.currency.isalpha()):
            errors["currency"] = "Enter a three-letter ISO 4217 currency code, e.g. USD."
        if errors:
            raise ValidationError(errors)
        self.currency = self.currency.upper()


# The id of a demo subscription (seed_demo, billing/demo.py): never billed, unknown to Polar. Polar's ids are UUIDs.
DEMO_SUBSCRIPTION_PREFIX = "demo_"


class Subscription(models.Model):
    """Polar's subscription, mirrored by webhooks and `sync_subscriptions`; keyed by Polar's id."""

    class Status(models.TextChoices):
        INCOMPLETE = "incomplete"
        INCOMPLETE_EXPIRED = "incomplete_expired"
        TRIALING = "trialing"
        ACTIVE = "active"
        PAST_DUE = "past_due"
        CANCELED = "canceled"
        UNPAID = "unpaid"

    ENTITLED_STATUSES = frozenset({Status.ACTIVE, Status.TRIALING})

    id = models.CharField(primary_key=True, max_length=64, help_text="Polar's subscription id.")
    # Indexed by subscription_user_status_idx (user first), so not on its own.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        db_index=False,
    )
    created_at = models.DateTimeField()
    modified_at = models.DateTimeField(null=True, blank=True)
    amount = models.IntegerField()
    currency = models.CharField(max_length=3)
    recurring_interval = models.CharField(max_length=10)
    status = models.CharField(max_length=20, choices=Status.choices)
    current_period_start = models.DateTimeField()
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    canceled_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    customer_id = models.CharField(max_length=64)
    # Looked up only together with the user (entitlements, /success), so the user's index serves.
    product_id = models.CharField(max_length=64)
    discount_id = models.CharField(max_length=64, blank=True)
    checkout_id = models.CharField(max_length=64, blank=True)
    customer_cancellation_reason = models.CharField(max_length=100, blank=True)
    customer_cancellation_comment = models.TextField(blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    custom_field_data = models.JSONField(default=dict, blank=True)
    synced_at = models.DateTimeField(default=timezone.now, help_text="When we last wrote this row.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "status"], name="subscription_user_status_idx")]

    def __str__(self) -> str:
        return f"{self.id} ({self.status})"

    @property
    def version_at(self):
        """The time of the state this row holds: an older event must never overwrite it."""
        return self.modified_at or self.created_at

    @property
    def is_entitled(self) -> bool:
        return self.status in self.ENTITLED_STATUSES

    @property
    def is_demo(self) -> bool:
        """Made by seed_demo for local use, not by Polar: nothing to manage or cancel there."""
        return self.id.startswith(DEMO_SUBSCRIPTION_PREFIX)


class Order(models.Model):
    """One Polar order: a line of the user's billing history."""

    id = models.CharField(primary_key=True, max_length=64, help_text="Polar's order id.")
    # Indexed by order_user_created_idx (user first), so not on its own.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="orders", db_index=False
    )
    subscription_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    modified_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=32)
    paid = models.BooleanField(default=False)
    billing_reason = models.CharField(max_length=40, blank=True)
    subtotal_amount = models.IntegerField(default=0)
    discount_amount = models.IntegerField(default=0)
    tax_amount = models.IntegerField(default=0)
    total_amount = models.IntegerField(default=0)
    refunded_amount = models.IntegerField(default=0)
    currency = models.CharField(max_length=3)
    customer_id = models.CharField(max_length=64)
    product_id = models.CharField(max_length=64, blank=True)
    product_name = models.CharField(max_length=200, blank=True)
    invoice_number = models.CharField(max_length=64, blank=True)
    checkout_id = models.CharField(max_length=64, blank=True)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="order_user_created_idx")]

    def __str__(self) -> str:
        return f"{self.id} ({self.status})"

    @property
    def version_at(self):
        return self.modified_at or self.created_at


class WebhookEvent(models.Model):
    """Every verified Polar delivery, kept with its processing state so it can be replayed."""

    class State(models.TextChoices):
        RECEIVED = "received"
        PROCESSED = "processed"
        FAILED = "failed"
        IGNORED = "ignored"

    webhook_id = models.CharField(max_length=128, help_text="The `webhook-id` header.")
    # Whom the delivery names (set when it is processed), so deleting the account deletes it by this key.
    # Indexed by webhookevent_user_idx.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    type = models.CharField(max_length=64)
    object_id = models.CharField(
        max_length=64, blank=True, help_text="Polar's id of the subscription or order in `data`."
    )
    # Null only when the database refused the delivery as JSON (PostgreSQL's JSONB takes no `\u0000` and no
    # lone surrogate): then `raw_body` holds it, and replay reads it from there.
    payload = models.JSONField(null=True, blank=True)
    raw_body = models.TextField(
        blank=True, help_text="The body as Polar sent it, kept only when the database refused it as JSON."
    )
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RECEIVED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at"]
        # Every delivery writes a row, so only the indexes something reads: constraints and Meta indexes
        # rather than `unique`/`db_index` on the CharFields, which on PostgreSQL would each add a LIKE index.
        constraints = [models.UniqueConstraint(fields=["webhook_id"], name="webhookevent_webhook_id_uniq")]
        indexes = [
            models.Index(fields=["type"], name="webhookevent_type_idx"),
            models.Index(fields=["object_id"], name="webhookevent_object_idx"),
            models.Index(fields=["user"], name="webhookevent_user_idx"),
            # replay_webhooks and the failed-events list look for these two states only; processed rows,
            # nearly all of them, stay out of this index.
            models.Index(
                fields=["state", "received_at"],
                name="webhookevent_unfinished_idx",
                condition=models.Q(state__in=["received", "failed"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.webhook_id}"
