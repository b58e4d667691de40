"""Reads for categories. A user's categories are read once per request (cached on the user object)."""

from typing import Any

from django.db.models import Count
from django.http import Http404

from accounts.models import User
from banking.models import Budget, Category, Rule, Transaction

_CACHE = "_banking_categories"


def category_list(*, user: User) -> list[Category]:
    """All the user's categories, the system's included, by name (one query per request)."""
    cached = getattr(user, _CACHE, None)
    if cached is None:
        cached = list(Category.objects.filter(user=user).order_by("name", "slug"))
        setattr(user, _CACHE, cached)
    return cached


def remember_categories(user: User, categories: list[Category]) -> None:
    """Use `categories` (read from the shared cache) as the user's list for the rest of the request."""
    setattr(user, _CACHE, categories)


def category_cache_clear(user: User) -> None:
    user.__dict__.pop(_CACHE, None)


def user_categories(*, user: User) -> list[Category]:
    """The categories a person manages and files under (not the system's)."""
    return [c for c in category_list(user=user) if not c.is_system]


def category_names(*, user: User) -> dict[str, str]:
    return {c.slug: c.name for c in category_list(user=user)}


def get_category_for_user(*, user: User, slug: Any) -> Category:
    """One of the user's own categories by slug (not the system's), or 404."""
    for category in category_list(user=user):
        if category.slug == slug and not category.is_system:
            return category
    raise Http404("No category with that slug.")


def category_usage(*, user: User, slug: str) -> dict[str, int]:
    """How many transactions, budgets and rules use a category: what its removal moves to `other`."""
    return {
        "transactions": Transaction.objects.filter(user=user, category=slug).count(),
        "budgets": Budget.objects.filter(user=user, category=slug).count(),
        "rules": Rule.objects.filter(user=user, actions__category=slug).count(),
    }


def category_transaction_counts(*, user: User) -> dict[str, int]:
    """Transactions per category (one grouped query), for the categories page."""
    rows = Transaction.objects.filter(user=user).order_by().values("category").annotate(n=Count("id"))
    return {row["category"]: row["n"] for row in rows}


def attach_category_names(transactions, *, user: User) -> None:
    """Give each transaction its category's name and colour (`category_name`, `category_color`)."""
    by_slug = {c.slug: c for c in category_list(user=user)}
    for txn in transactions:
        category = by_slug.get(txn.category)
        txn.category_name = category.name if category else txn.category
        txn.category_color = category.color if category else ""
