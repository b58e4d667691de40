"""saas.money: the one money formatter, and the `money` template library every page loads."""

import iso4217
import pytest
from django.template import Context, Template

from saas.money import MINOR_UNITS, format_money, minor_units


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (1250, "KWD", "KWD 1.250"),
        (1250, "BHD", "BHD 1.250"),
        (1250, "JOD", "JOD 1.250"),
        (1235, "JPY", "¥1,235"),
        (500, "XOF", "XOF 500"),
        (500, "XAF", "XAF 500"),
        (1234567, "KRW", "₩1,234,567"),
        (123456, "USD", "$1,234.56"),
        (99, "EUR", "€0.99"),
        (1200, "CHF", "CHF 12.00"),
        (5, "KWD", "KWD 0.005"),
        (0, "JPY", "¥0"),
    ],
)
def test_amounts_show_with_their_currencys_iso_minor_units(amount, currency, shown):
    assert format_money(amount, currency) == shown


@pytest.mark.parametrize(
    ("currency", "shown"),
    [
        # ISO 4217 and CLDR disagree here: CLDR (Babel, browsers) shows these without decimals.
        ("IQD", "IQD 1.250"),
        ("RSD", "RSD 12.50"),
        ("LBP", "LBP 12.50"),
        # Currencies Polar may bill in that no bank account here holds.
        ("TND", "TND 1.250"),
        ("LYD", "LYD 1.250"),
        ("UYI", "UYI 1,250"),
        ("CLF", "CLF 0.1250"),
    ],
)
def test_currencies_beyond_the_bank_account_list_use_iso_4217_minor_units(currency, shown):
    assert format_money(1250, currency) == shown


def test_every_iso_4217_currency_has_its_minor_units():
    assert len(MINOR_UNITS) > 150
    for currency in iso4217.Currency:
        if currency.exponent is not None:
            assert minor_units(currency.code) == currency.exponent


def test_money_out_gets_a_true_minus_sign():
    assert format_money(-350, "USD") == "−$3.50"
    assert format_money(-1250, "KWD") == "−KWD 1.250"
    assert format_money(-500, "XOF") == "−XOF 500"


def test_signed_amounts_mark_money_in_with_a_plus():
    assert format_money(250000, "USD", signed=True) == "+$2,500.00"
    assert format_money(1250, "KWD", signed=True) == "+KWD 1.250"
    assert format_money(-6430, "USD", signed=True) == "−$64.30"


def test_zero_has_no_sign_even_when_signed():
    assert format_money(0, "GBP", signed=True) == "£0.00"


def test_a_missing_amount_shows_nothing():
    assert format_money(None, "USD") == ""


def test_lowercase_codes_as_polar_sends_them_show_like_uppercase():
    assert format_money(1250, "kwd") == "KWD 1.250"
    assert format_money(900, "usd") == "$9.00"


@pytest.mark.parametrize("currency", ["ZZZ", "XAU", "XTS"])
def test_a_code_without_iso_minor_units_shows_the_code_and_two_decimals(currency):
    assert format_money(123456, currency) == f"{currency} 1,234.56"


@pytest.mark.parametrize("currency", ["", None])
def test_a_missing_currency_shows_the_number_alone(currency):
    assert format_money(123456, currency) == "1,234.56"


def test_the_banking_module_hands_out_the_same_formatter():
    from banking import money as banking_money

    assert banking_money.format_money is format_money


def test_bank_account_currencies_take_their_minor_units_from_iso_4217():
    from banking.money import CURRENCIES

    assert {code: c.exponent for code, c in CURRENCIES.items()} == {code: minor_units(code) for code in CURRENCIES}


# --- The template library -------------------------------------------------------------------------


def render(source: str, **context) -> str:
    return Template("{% load money %}" + source).render(Context(context))


def test_money_filter_formats_minor_units():
    assert render("{{ amount|money:currency }}", amount=1250, currency="KWD") == "KWD 1.250"


def test_money_signed_filter_marks_money_in():
    assert render("{{ amount|money_signed:'USD' }}", amount=1200) == "+$12.00"


@pytest.mark.parametrize("amount", [None, "", "not a number"])
def test_money_filter_shows_nothing_for_a_missing_or_bad_amount(amount):
    assert render("{{ amount|money:'USD' }}", amount=amount) == ""


@pytest.mark.parametrize(("amount", "css_class"), [(5, "positive"), (-5, "negative"), (0, ""), (None, "")])
def test_amount_class_filter_names_the_direction(amount, css_class):
    assert render("{{ amount|amount_class }}", amount=amount) == css_class


# --- One rendering on billing and banking pages ---------------------------------------------------


@pytest.mark.django_db
def test_billing_and_banking_pages_show_the_same_amount_the_same_way(owner, owner_client):
    from billing.models import Plan
    from tests.banking.conftest import add_transaction, make_account

    Plan.objects.create(slug="gulf", name="Gulf", polar_product_id="gulf-product", price_amount=1250, currency="KWD")
    account = make_account(owner, nickname="Dinar account", currency="KWD")
    add_transaction(owner, account, amount=1250, type="credit", description="Salary")

    pricing = owner_client.get("/pricing").content.decode()
    account_page = owner_client.get(f"/dashboard/accounts/{account.pk}/").content.decode()

    assert "KWD 1.250" in pricing
    assert "KWD 1.250" in account_page
    assert "12.50 KWD" not in pricing


@pytest.mark.django_db
@pytest.mark.parametrize(("amount", "currency", "shown"), [(500, "XOF", "XOF 500"), (12500, "LYD", "LYD 12.500")])
def test_billing_pages_show_any_currency_polar_bills_in(client, amount, currency, shown):
    from billing.models import Plan

    Plan.objects.create(slug="local", name="Local", polar_product_id="local", price_amount=amount, currency=currency)

    assert shown in client.get("/pricing").content.decode()
