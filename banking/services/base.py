"""What every banking write shares: serialising one user's writes, and validation errors with API field
names."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model

from accounts.models import User

# Model field names that the API and the forms call differently.
FIELD_NAMES = {"bank_account": "bank_account_id"}


def user_lock(user: User) -> None:
    """Lock the user's row until the transaction ends, so two requests cannot both slip under a per-user
    limit (accounts on the plan, budgets)."""
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))


def raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError({field: [ValidationError(m) for m in messages] for field, messages in errors.items()})


def validate(obj: Model, *, exclude: list[str] | None = None) -> None:
    """The model's own rules (field validators, `clean()`), with errors under the API's field names.

    The check constraints repeat those rules in the database; validating them here would cost a query each.
    """
    try:
        obj.full_clean(exclude=exclude, validate_constraints=False)
    except ValidationError as error:
        raise ValidationError(
            {FIELD_NAMES.get(name, name): messages for name, messages in error.message_dict.items()}
        ) from None


def pick(values: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, list[str]]:
    """Errors for the names in `values` that may not be changed."""
    return {name: ["This field cannot be changed."] for name in sorted(set(values) - set(allowed))}
