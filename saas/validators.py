"""Validators every app's text fields share."""

from django.core.exceptions import ValidationError


def validate_text(value: object) -> None:
    """Text a database can store and a page can show: no NUL and no lone UTF-16 surrogate.

    PostgreSQL refuses both, so without this a stray `\\u0000` in a JSON body would be a 500 on insert.
    """
    if not isinstance(value, str):
        return
    if "\x00" in value:
        raise ValidationError("Remove the null character (\\u0000) from this text.", code="null_characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            "This text contains an unpaired surrogate (such as \\ud800): send valid Unicode.", code="surrogates"
        ) from None
