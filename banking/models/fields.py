"""What banking's tables share: money in minor units, and the field rules and messages."""

from django.core.exceptions import ValidationError
from django.db import models

from banking.validators import DATE_ERROR_MESSAGES, validate_plausible_date


class MinorUnitsField(models.BigIntegerField):
    """Money: a whole number of minor units of the row's currency (cents, yen, fils), never a float."""

    default_error_messages = {"invalid": "Send the amount as a whole number of minor units (cents), e.g. 1250."}

    def to_python(self, value):
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(self.error_messages["invalid"], code="invalid", params={"value": value})
        return value


def choice_error(label: str, choices) -> dict[str, str]:
    """The message for a value outside `choices`, naming them."""
    return {"invalid_choice": f"Choose {label}: one of {', '.join(value for value, _ in choices)}."}


CURRENCY_ERRORS = {
    "invalid_choice": "Unknown currency %(value)s: use a three-letter ISO 4217 code such as USD, EUR or JPY."
}


def date_field(**kwargs) -> models.DateField:
    return models.DateField(validators=[validate_plausible_date], error_messages=DATE_ERROR_MESSAGES, **kwargs)
