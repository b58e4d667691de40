"""Each user's categories: the default set every user starts with, and their own.

Transactions and budgets keep the category's `slug` (no foreign key: imports write them in bulk); the
models check it against the owner's slugs, read once per object (or handed over by a bulk writer).
A category's `kind` decides what counts as spending and as income, here and nowhere else.
"""

import uuid
from collections.abc import Iterable
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from banking.models.fields import choice_error
from saas.validators import validate_text


class DefaultCategory(models.TextChoices):
    """The slugs and names of the set every user starts with (the fixed list of earlier versions)."""

    GROCERIES = "groceries", "Groceries"
    DINING = "dining", "Dining"
    TRANSPORT = "transport", "Transport"
    HOUSING = "housing", "Housing"
    UTILITIES = "utilities", "Utilities"
    SUBSCRIPTIONS = "subscriptions", "Subscriptions"
    SHOPPING = "shopping", "Shopping"
    ENTERTAINMENT = "entertainment", "Entertainment"
    HEALTH = "health", "Health"
    TRAVEL = "travel", "Travel"
    EDUCATION = "education", "Education"
    INSURANCE = "insurance", "Insurance"
    GIFTS = "gifts", "Gifts & donations"
    FEES = "fees", "Fees"
    INCOME = "income", "Income"
    TRANSFER = "transfer", "Transfer"
    OTHER = "other", "Other"
    # The micro-deposits that prove an account is yours: shown, but never money (balances, spending, income).
    VERIFICATION = "verification", "Verification"


class CategoryKind(models.TextChoices):
    EXPENSE = "expense", "Expense"
    INCOME = "income", "Income"
    TRANSFER = "transfer", "Transfer (neither)"


# What counts as spending (budgets, the daily sums' readers, the chart) and what as income: the kind alone.
SPENDING_KIND = CategoryKind.EXPENSE
INCOME_KIND = CategoryKind.INCOME

_DEFAULT_KINDS = {
    DefaultCategory.INCOME: CategoryKind.INCOME,
    DefaultCategory.TRANSFER: CategoryKind.TRANSFER,
    DefaultCategory.VERIFICATION: CategoryKind.TRANSFER,
}
PALETTE = ["#2f7d6d", "#d9822b", "#3f6fb5", "#b5476b", "#7a5cc2", "#5c9e3a", "#c2a437", "#5f6b7a"]
# slug, name, kind, colour: what `categories_create_defaults` writes for every user.
DEFAULT_CATEGORIES = [
    (c.value, c.label, _DEFAULT_KINDS.get(c, CategoryKind.EXPENSE).value, PALETTE[i % len(PALETTE)])
    for i, c in enumerate(DefaultCategory)
]
DEFAULT_NAMES = {slug: name for slug, name, _, _ in DEFAULT_CATEGORIES}
# Kept for the system's own rows: nobody files, renames or removes under it.
SYSTEM_SLUGS = frozenset({DefaultCategory.VERIFICATION.value})

validate_color = RegexValidator(r"^#[0-9a-f]{6}$", "Choose a colour as #rrggbb, e.g. #2f7d6d.")


class Category(models.Model):
    """One of a user's categories. Every user has the defaults (renamable, not removable) and their own."""

    Kind = CategoryKind
    # The slugs the code itself files under.
    OTHER = DefaultCategory.OTHER.value
    INCOME = DefaultCategory.INCOME.value
    TRANSFER = DefaultCategory.TRANSFER.value
    VERIFICATION = DefaultCategory.VERIFICATION.value

    MAX_PER_USER = 100

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="categories")
    slug = models.SlugField(max_length=20, editable=False)
    name = models.CharField(
        max_length=40, validators=[validate_text], error_messages={"blank": "Enter a name for the category."}
    )
    kind = models.CharField(
        max_length=10,
        choices=CategoryKind.choices,
        default=CategoryKind.EXPENSE,
        error_messages=choice_error("a kind", CategoryKind.choices),
    )
    color = models.CharField(max_length=7, default=PALETTE[0], validators=[validate_color])
    is_default = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "slug"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(fields=["user", "slug"], name="category_slug_unique_per_user"),
            models.UniqueConstraint("user", Lower("name"), name="category_name_unique_per_user"),
            models.CheckConstraint(condition=Q(kind__in=["expense", "income", "transfer"]), name="category_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_system(self) -> bool:
        return self.slug in SYSTEM_SLUGS

    @property
    def is_spending(self) -> bool:
        return self.kind == SPENDING_KIND


def user_category_kinds(user_id) -> dict[str, str]:
    """slug -> kind of every category the user has (one query)."""
    return dict(Category.objects.filter(user_id=user_id).values_list("slug", "kind"))


class Categorised(Protocol):
    """A model the owner's categories apply to (transactions, budgets, rules)."""

    _known_categories: dict[str, str]

    @property
    def user_id(self) -> Any: ...


class HasCategory(Categorised, Protocol):
    @property
    def category(self) -> str: ...


def known_categories(obj: Categorised) -> dict[str, str]:
    """The owner's slug -> kind, read once per object; bulk writers hand it over with `share_categories`."""
    known = getattr(obj, "_known_categories", None)
    if known is None:
        known = user_category_kinds(obj.user_id) if obj.user_id else {}
        obj._known_categories = known
    return known


def share_categories(objects: Iterable[Categorised], kinds: dict[str, str]) -> None:
    """Give every object of a bulk write the owner's categories, so validating them costs no query each."""
    for obj in objects:
        obj._known_categories = kinds


def category_error(slug: str, kinds: dict[str, str], *, spending: bool = False) -> str | None:
    """Why `slug` cannot be used here, or None: it must be one of the owner's (a spending one for budgets)."""
    usable = sorted(s for s, kind in kinds.items() if s not in SYSTEM_SLUGS and (not spending or kind == SPENDING_KIND))
    if slug in usable:
        return None
    label = "a spending category" if spending else "a category"
    return f"Choose {label}: one of {', '.join(usable)}."


def validate_category_field(obj: HasCategory, *, spending: bool = False) -> None:
    """The model-level check shared by transactions and budgets (their `clean()`)."""
    slug = obj.category
    kinds = known_categories(obj)
    if slug in SYSTEM_SLUGS and not spending and slug in kinds:
        return  # the system's own rows (verification deposits); people are kept out by the services
    message = category_error(slug, kinds, spending=spending)
    if message:
        raise ValidationError({"category": message})
