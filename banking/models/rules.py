"""Categorisation rules: conditions on a transaction, and the fields to set when they hold.

What a condition or an action may be is checked by `clean()` with banking.rule_engine, against the owner's
categories and bank accounts, so the pages, the API and the admin obey the same rules.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from banking import rule_engine
from banking.models.categories import SYSTEM_SLUGS, known_categories
from banking.models.fields import choice_error
from saas.validators import validate_text


class Rule(models.Model):
    """Conditions (all or any of them) on a transaction's description, merchant, amount, account or type, and
    the category, merchant name or description to set. Lowest `priority` runs first."""

    class Match(models.TextChoices):
        ALL = "all", "All conditions"
        ANY = "any", "Any condition"

    MAX_PER_USER = 500
    DEFAULT_PRIORITY = 100

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rules")
    name = models.CharField(max_length=100, validators=[validate_text], error_messages={"blank": "Enter a name."})
    priority = models.PositiveIntegerField(
        default=DEFAULT_PRIORITY, error_messages={"invalid": "Send the priority as a whole number, 0 runs first."}
    )
    is_active = models.BooleanField(default=True)
    match = models.CharField(
        max_length=3, choices=Match.choices, default=Match.ALL, error_messages=choice_error("a match", Match.choices)
    )
    # [{"field", "op", "value"}] and {"category"?, "merchant_name"?, "description"?}: see banking.rule_engine.
    conditions = models.JSONField(default=list, blank=True)
    actions = models.JSONField(default=dict, blank=True)
    # One of the rules every user starts with (cleaning card-processor noise from merchant names).
    is_default = models.BooleanField(default=False, editable=False)
    # "Apply to existing": queued for a background task (big histories), and what the last run did.
    apply_queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_applied_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_matched = models.PositiveIntegerField(null=True, blank=True, editable=False)
    last_changed = models.PositiveIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    # The owner's categories, read once (banking.models.categories.known_categories).
    _known_categories: dict[str, str]

    class Meta:
        ordering = ["priority", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(match__in=["all", "any"]), name="rule_match_valid"),
            models.CheckConstraint(condition=Q(priority__lte=1_000_000), name="rule_priority_range"),
        ]
        indexes = [models.Index(fields=["user", "priority", "created_at", "id"], name="rule_user_order_idx")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from banking.models.bank_accounts import BankAccount

        errors = {}
        if isinstance(self.priority, int) and self.priority > 1_000_000:
            errors["priority"] = "Use a priority from 0 (runs first) to 1000000."
        account_ids = None
        if isinstance(self.conditions, list) and any(
            isinstance(c, dict) and c.get("field") == "bank_account_id" for c in self.conditions
        ):
            owned = BankAccount.objects.filter(user_id=self.user_id).values_list("pk", flat=True)
            account_ids = {str(pk) for pk in owned}
        try:
            self.conditions = rule_engine.check_conditions(self.conditions, account_ids=account_ids)
        except rule_engine.RuleError as error:
            errors["conditions"] = str(error)
        usable = {slug for slug in known_categories(self) if slug not in SYSTEM_SLUGS}
        try:
            self.actions = rule_engine.check_actions(self.actions, categories=usable)
        except rule_engine.RuleError as error:
            errors["actions"] = str(error)
        if errors:
            raise ValidationError(errors)

    def compiled(self) -> rule_engine.CompiledRule:
        return rule_engine.compile_rule(self.pk, match=self.match, conditions=self.conditions, actions=self.actions)
