import pytest
from django.core.exceptions import ValidationError

from banking.money import MAX_AMOUNT, format_money, parse_amount, parse_signed_amount, to_decimal_string
from banking.validators import validate_account_number, validate_routing_number


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("12.34", "USD", 1234),
        ("12", "USD", 1200),
        ("0.5", "USD", 50),
        (".75", "USD", 75),
        ("1,234.56", "USD", 123456),
        (" 7.10 ", "EUR", 710),
        ("1250", "JPY", 1250),
        ("1.000", "JPY", 1),
        ("1.234", "KWD", 1234),
        ("0.001", "BHD", 1),
        ("12.50", "usd", 1250),
    ],
)
def test_amounts_parse_into_the_currencys_minor_units(text, currency, minor):
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("abc", "USD", "Enter a number"),
        ("12.3.4", "USD", "Enter a number"),
        ("1e5", "USD", "Enter a number"),
        ("NaN", "USD", "Enter a number"),
        ("", "USD", "Enter a number"),
        ("0", "USD", "greater than zero"),
        ("0.00", "USD", "greater than zero"),
        ("-5", "USD", "without a minus sign"),
        ("12.345", "USD", "at most 2 decimal places"),
        ("12.5", "JPY", "whole numbers"),
        ("1.2345", "KWD", "at most 3 decimal places"),
        ("10000000000.01", "USD", "too large"),
        ("12", "XYZ", "Unknown currency"),
    ],
)
def test_bad_amounts_are_rejected_with_what_to_fix(text, currency, message):
    with pytest.raises(ValidationError, match=message):
        parse_amount(text, currency)


def test_largest_amount_is_accepted():
    assert parse_amount("10000000000.00", "USD") == MAX_AMOUNT


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (123456, "USD", "$1,234.56"),
        (-350, "USD", "−$3.50"),
        (1235, "JPY", "¥1,235"),
        (1250, "KWD", "KWD 1.250"),
        (99, "EUR", "€0.99"),
        (0, "GBP", "£0.00"),
        (1200, "CHF", "CHF 12.00"),
    ],
)
def test_amounts_display_in_each_currencys_format(amount, currency, shown):
    assert format_money(amount, currency) == shown


def test_signed_display_marks_money_in():
    assert format_money(1200, "USD", signed=True) == "+$12.00"
    assert format_money(-1200, "USD", signed=True) == "−$12.00"


def test_decimal_string_for_forms():
    assert to_decimal_string(123456, "USD") == "1234.56"
    assert to_decimal_string(1250, "JPY") == "1250"
    assert to_decimal_string(5, "KWD") == "0.005"


@pytest.mark.parametrize("number", ["021000021", "011000015", "026009593", "121000248"])
def test_real_routing_numbers_pass_the_checksum(number):
    validate_routing_number(number)


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("021000022", "check digit"),
        ("123456789", "check digit"),
        ("02100002", "9-digit"),
        ("0210000211", "9-digit"),
        ("02100002a", "9-digit"),
        ("", "9-digit"),
    ],
)
def test_bad_routing_numbers_are_rejected(number, message):
    with pytest.raises(ValidationError, match=message):
        validate_routing_number(number)


@pytest.mark.parametrize("number", ["1234", "12345678901234567"])
def test_account_numbers_of_4_to_17_digits_pass(number):
    validate_account_number(number)


@pytest.mark.parametrize("number", ["123", "123456789012345678", "12345x", "", "12 34"])
def test_other_account_numbers_are_rejected(number):
    with pytest.raises(ValidationError):
        validate_account_number(number)


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("1,234.50", "EUR", 123450),  # English, on any account
        ("1.234,50", "EUR", 123450),  # as the euro's locales write it
        ("1 234,50", "EUR", 123450),
        ("12,50", "EUR", 1250),
        ("1.234", "EUR", 123400),  # a dot between thousands where the decimal is a comma
        ("1,234", "EUR", 123400),  # three decimals cannot be cents: thousands
        ("1.234.567,89", "EUR", 123456789),
        ("1.234,50", "BRL", 123450),
        ("$1,234.50", "USD", 123450),
        ("€12", "EUR", 1200),
        ("12,50 €", "EUR", 1250),
        ("£0.99", "GBP", 99),
        ("$5", "CAD", 500),
        ("CA$5", "CAD", 500),
        ("USD 12", "USD", 1200),
        ("kr 100", "SEK", 10000),
        ("1'234.50", "CHF", 123450),
    ],
)
def test_amounts_parse_as_people_type_them(text, currency, minor):
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("1.234,50", "USD", "Enter a number such as 1,234.50"),  # the dollar's locale writes 1,234.50
        ("12,50", "USD", "Enter a number"),
        ("€12", "USD", "in USD: leave out the € sign"),
        ("$12", "EUR", r"in EUR: leave out the \$ sign"),
        ("1,234", "TND", "Did you mean"),  # 1.234 or 1234 dinars: both are valid, ask
        ("$-5", "USD", "Enter a number"),
        ("12 $ $", "USD", "Enter a number"),
    ],
)
def test_ambiguous_or_foreign_amounts_say_what_to_fix(text, currency, message):
    with pytest.raises(ValidationError, match=message):
        parse_amount(text, currency)


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [("-1,234.50", "USD", -123450), ("−€5", "EUR", -500), ("0", "USD", 0), ("1.000,00", "EUR", 100000)],
)
def test_balances_may_be_zero_or_negative(text, currency, minor):
    assert parse_signed_amount(text, currency) == minor
