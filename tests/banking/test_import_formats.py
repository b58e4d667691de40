"""Each format read from real-world-shaped samples: every row parsed, signs right, totals equal the statement's."""

import datetime
from decimal import Decimal

import pytest

from banking.models import Import, Transaction
from tests.banking.conftest import make_account
from tests.banking.import_helpers import commit, import_via_service, media, rows_of  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def usd(owner):
    return make_account(owner, nickname="Everyday")


@pytest.fixture
def eur(owner):
    return make_account(owner, account_number="4455667788", nickname="Giro", currency="EUR")


@pytest.fixture
def gbp(owner):
    return make_account(owner, account_number="99887766", nickname="Flex", currency="GBP")


def _signed(imp):
    return [r.signed_amount for r in rows_of(imp)]


def test_ofx_102_sgml_statement_reads_every_row_with_signs(owner, usd):
    imp = import_via_service(owner, usd, "ofx102_checking.ofx")

    assert imp.format == "ofx" and imp.status == Import.Status.READY
    assert _signed(imp) == [341255, -6430, -215000, -475, -475, -1200, 87]
    assert sum(_signed(imp)) == 117762  # the statement's transactions add up to its movement
    first = rows_of(imp)[0]
    assert first.external_id == "202503030001" and first.transaction_date == datetime.date(2025, 3, 3)


def test_ofx_keeps_the_day_the_bank_wrote_and_the_user_date(owner, usd):
    imp = import_via_service(owner, usd, "ofx102_checking.ofx")
    card = rows_of(imp)[1]

    assert (card.transaction_date, card.posting_date) == (datetime.date(2025, 3, 3), datetime.date(2025, 3, 4))


def test_ofx_windows_1252_text_and_entities_are_decoded(owner, usd):
    imp = import_via_service(owner, usd, "ofx102_checking.ofx")

    assert rows_of(imp)[3].description == "CAFÉ CRÈME & CO"


def test_ofx_2_xml_card_statement(owner, usd):
    imp = import_via_service(owner, usd, "ofx211_card.qfx")

    assert _signed(imp) == [-545, -1549, -13218, 2499, 50000]
    assert sum(_signed(imp)) == 37187


def test_qif_reads_month_first_dates_and_grouped_amounts(owner, usd):
    imp = import_via_service(owner, usd, "quicken_checking.qif")

    assert imp.format == "qif"
    assert _signed(imp) == [341255, -6430, -215000, -475, -475, -1200, 87]
    assert [r.transaction_date.day for r in rows_of(imp)] == [3, 4, 10, 14, 14, 28, 31]


def test_camt053_entries_with_reversal_batch_and_value_dates(owner, eur):
    imp = import_via_service(owner, eur, "camt053_giro.xml")

    assert imp.format == "camt053"
    assert _signed(imp) == [318000, -2390, -95000, -18743, 2390, -6110]
    # Opening balance 2,450.00 plus the entries is the statement's closing balance, 4,431.47.
    assert 245000 + sum(_signed(imp)) == 443147
    rows = rows_of(imp)
    assert rows[0].external_id == "250303-000117" and rows[0].merchant_name == "Muster GmbH"
    assert rows[1].transaction_date == datetime.date(2025, 3, 4) and rows[1].posting_date == datetime.date(2025, 3, 5)


def test_csv_us_bank_with_trailing_delimiters_and_quoted_commas(owner, usd):
    imp = import_via_service(owner, usd, "us_harbor_checking.csv")
    assert imp.status == Import.Status.NEEDS_MAPPING
    guessed = imp.inspection["guessed"]
    assert guessed["date"] == "Posting Date" and guessed["amount"] == "Amount" and guessed["date_format"] == "%m/%d/%Y"

    from banking import services

    services.import_set_mapping(user=owner, imp=imp, mapping=guessed)
    imp.refresh_from_db()

    assert imp.status == Import.Status.READY
    assert sum(_signed(imp)) == 113035  # 4,130.35 closing balance less 3,000.00 before the first row
    assert rows_of(imp)[3].description == "STARBUCKS STORE 0934, NEW YORK"


def test_csv_german_bank_semicolons_decimal_commas_windows_1252_and_a_preamble(owner, eur):
    imp = import_via_service(owner, eur, "de_giro_cp1252.csv")
    inspection = imp.inspection

    assert inspection["encoding"] == "cp1252" and inspection["delimiter"] == ";"
    assert inspection["guessed"]["decimal_separator"] == "," and inspection["guessed"]["date_format"] == "%d.%m.%Y"
    from banking import services

    services.import_set_mapping(user=owner, imp=imp, mapping=inspection["guessed"])
    imp.refresh_from_db()

    assert _signed(imp) == [318000, -2390, -95000, -12000, -6743, 2390, -6110]
    assert rows_of(imp)[3].merchant_name == "Stadtwerke Köln"


def test_csv_uk_bank_with_bom_paid_out_and_paid_in_columns(owner, gbp):
    imp = import_via_service(owner, gbp, "uk_flex_bom.csv")
    guessed = imp.inspection["guessed"]

    assert (guessed["debit"], guessed["credit"], guessed["date_format"]) == ("Paid out", "Paid in", "%d %b %Y")
    from banking import services

    services.import_set_mapping(user=owner, imp=imp, mapping=guessed)
    imp.refresh_from_db()

    assert _signed(imp) == [-3800, 245000, -5421, -5421, -125000, -695, -120447]
    assert 200000 + sum(_signed(imp)) == 184216  # the export's closing balance


def test_csv_utf16_tab_separated_export(owner, usd):
    content = "Date\tDescription\tAmount\n2025-03-01\tCoffee\t-3.50\n2025-03-02\tSalary\t1200.00\n"
    imp = import_via_service(owner, usd, "export.txt", content=content.encode("utf-16"))

    assert imp.inspection["encoding"].startswith("utf-16") and imp.inspection["delimiter"] == "\t"


def test_commit_writes_the_rows_with_balance_and_spending(owner, usd):
    before = usd.balance
    imp = commit(owner, import_via_service(owner, usd, "ofx102_checking.ofx"))
    usd.refresh_from_db()

    assert imp.status == Import.Status.COMPLETED and imp.completed_at is not None
    written = Transaction.objects.filter(bank_import=imp)
    assert written.count() == 7 and {t.type for t in written} == {"debit", "credit"}
    assert usd.balance - before == 117762
    from banking.models import DailySpending

    assert DailySpending.objects.get(user=owner, day=datetime.date(2025, 3, 14)).amount == 950


def test_mapped_category_column_goes_through_the_models_rules(owner, usd):
    content = b"Date,Description,Amount,Category\n2025-03-01,Coffee,-3.50,dining\n2025-03-02,Thing,-1.00,nonsense\n"
    mapping = {"date": "Date", "description": "Description", "amount": "Amount", "category": "Category"}
    imp = import_via_service(owner, usd, "x.csv", content=content, mapping=mapping)

    first, second = rows_of(imp)
    assert first.status == "new" and first.category == "dining"
    assert second.status == "invalid" and "category" in second.message


def test_decimal_amounts_become_minor_units_of_the_account_currency():
    from banking.importers.numbers import parse_amount_text

    assert parse_amount_text("1.234,56", decimal_separator=",") == Decimal("1234.56")
    assert parse_amount_text("(12.50)", decimal_separator=".") == Decimal("-12.50")
