"""Writes for categories: every user's default set, and adding, renaming, recolouring and removing their own.

Removing one moves its transactions, budgets and rules to `other` in the same database transaction.
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.text import slugify

from accounts.audit import audit_log
from accounts.models import User
from accounts.services import user_data_changed
from banking.models import DEFAULT_CATEGORIES, Budget, Category, Rule, Transaction
from banking.models.categories import PALETTE
from banking.selectors.categories import category_cache_clear
from banking.services.balances import spending_rebuild
from banking.services.base import pick, raise_if, user_lock, validate

CATEGORY_FIELDS = ("name", "kind", "color")


class DuplicateCategory(Exception):
    """The user already has a category of that name (any case)."""

    def __init__(self, name: str):
        super().__init__(f"You already have a category named “{name}”: choose another name.")


class CategoryProtected(Exception):
    """A default category: it can be renamed, not removed."""

    def __init__(self, category: Category):
        super().__init__(f"“{category.name}” is one of the default categories: rename it instead of removing it.")


def categories_create_defaults(*, user: User) -> None:
    """The default set, for a new user (safe to run twice)."""
    Category.objects.bulk_create(
        [
            Category(user=user, slug=slug, name=name, kind=kind, color=color, is_default=True)
            for slug, name, kind, color in DEFAULT_CATEGORIES
        ],
        ignore_conflicts=True,
    )
    category_cache_clear(user)


def _free_slug(user: User, name: str) -> str:
    base = (slugify(name)[:17].strip("-") or "category").replace("_", "-")
    taken = set(Category.objects.filter(user=user, slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _name_taken(user: User, name: str, *, exclude=None) -> bool:
    others = Category.objects.filter(user=user, name__iexact=name)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    return others.exists()


@transaction.atomic
def category_create(
    *,
    user: User,
    name: str,
    kind: str = Category.Kind.EXPENSE,
    color: str | None = None,
    request: HttpRequest | None = None,
) -> Category:
    """Add a category of the user's own; its slug comes from its name and never changes."""
    user_lock(user)
    count = Category.objects.filter(user=user).count()
    category = Category(user=user, name=name.strip(), kind=kind, color=color or PALETTE[count % len(PALETTE)])
    category.slug = "pending"
    validate(category)
    if count >= Category.MAX_PER_USER:
        raise_if({"name": [f"You can have up to {Category.MAX_PER_USER} categories: remove one you no longer use."]})
    if _name_taken(user, category.name):
        raise DuplicateCategory(category.name)
    category.slug = _free_slug(user, category.name)
    try:
        with transaction.atomic():
            category.save(force_insert=True)
    except IntegrityError:
        raise DuplicateCategory(category.name) from None
    category_cache_clear(user)
    user_data_changed(user.pk)
    audit_log(action="category.created", user=user, request=request, details={"slug": category.slug})
    return category


@transaction.atomic
def category_update(
    *, user: User, category: Category, changes: dict[str, Any], request: HttpRequest | None = None
) -> Category:
    """Rename, recolour or change the kind of a category (defaults included)."""
    category = Category.objects.select_for_update().get(pk=category.pk, user=user)
    raise_if(pick(changes, CATEGORY_FIELDS))
    for name, value in changes.items():
        setattr(category, name, value.strip() if name == "name" and isinstance(value, str) else value)
    validate(category)
    if "name" in changes and _name_taken(user, category.name, exclude=category):
        raise DuplicateCategory(category.name)
    try:
        with transaction.atomic():
            category.save()
    except IntegrityError:
        raise DuplicateCategory(category.name) from None
    category_cache_clear(user)
    # The chart and budgets read names and kinds: a bulk-looking change for the caches.
    user_data_changed(user.pk)
    audit_log(
        action="category.updated",
        user=user,
        request=request,
        details={"slug": category.slug, "fields": sorted(changes)},
    )
    return category


@transaction.atomic
def category_delete(*, user: User, category: Category, request: HttpRequest | None = None) -> dict[str, int]:
    """Remove one of the user's own categories; its transactions, budgets and rules move to `other`.
    Returns how many of each moved."""
    category = Category.objects.select_for_update().get(pk=category.pk, user=user)
    if category.slug == Category.OTHER:
        raise_if({"slug": ["“Other” is where the transactions of removed categories go: it cannot be removed."]})
    if category.is_default:
        raise CategoryProtected(category)
    moved = {
        "transactions": Transaction.objects.filter(user=user, category=category.slug).update(category=Category.OTHER),
        "budgets": Budget.objects.filter(user=user, category=category.slug).update(category=Category.OTHER),
        "rules": 0,
    }
    for rule in Rule.objects.select_for_update().filter(user=user, actions__category=category.slug):
        rule.actions = {**rule.actions, "category": Category.OTHER}
        rule.save(update_fields=["actions", "updated_at"])
        moved["rules"] += 1
    category.delete()
    if moved["transactions"]:
        spending_rebuild(user=user)
    category_cache_clear(user)
    user_data_changed(user.pk)  # bulk updates: no model signal tells the caches
    audit_log(action="category.deleted", user=user, request=request, details={"slug": category.slug, **moved})
    return moved
