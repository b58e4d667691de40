"""The import API: upload (multipart), poll, rows, mapping, commit, undo; bad input; another user's is a 404."""

import datetime

import pytest

from banking.models import Import, ImportRow, Transaction
from tests.banking.conftest import add_transaction, make_account
from tests.banking.import_helpers import api_upload, media, sample  # noqa: F401

pytestmark = pytest.mark.django_db

IMPORT_KEYS = {
    "id", "bank_account_id", "filename", "format", "status", "rows_total", "rows_new", "rows_duplicate",
    "rows_invalid", "errors", "created_at", "completed_at", "progress", "mapping", "suggested_mapping", "columns",
    "sample", "statements",
}  # fmt: skip
ROW_KEYS = {
    "row", "status", "transaction_date", "amount", "signed_amount", "description", "merchant_name", "external_id",
    "category", "duplicate_of", "message", "forced",
}  # fmt: skip


@pytest.fixture
def account(owner):
    return make_account(owner, nickname="Everyday")


def _ready(api, account, name="ofx102_checking.ofx", content=None, **extra):
    response = api_upload(api, account, name, content, **extra)
    assert response.status_code == 201, response.content
    return response.json()["import"]


def test_upload_answers_201_with_the_import(api, account):
    data = _ready(api, account)

    assert set(data) == IMPORT_KEYS
    assert data["format"] == "ofx" and data["status"] == "ready" and data["rows_new"] == 7


def test_rows_are_cursor_pages_filtered_by_status(api, account):
    imp = _ready(api, account)

    first = api.get(f"/api/imports/{imp['id']}/rows", limit=5).json()
    second = api.get(f"/api/imports/{imp['id']}/rows", limit=5, cursor=first["next_cursor"]).json()
    invalid = api.get(f"/api/imports/{imp['id']}/rows", status="invalid").json()

    assert set(first["rows"][0]) == ROW_KEYS
    assert [r["row"] for r in first["rows"] + second["rows"]] == [1, 2, 3, 4, 5, 6, 7]
    assert second["next_cursor"] is None and invalid["rows"] == []


def test_csv_needs_mapping_then_reads_with_the_confirmed_one(api, account):
    imp = _ready(api, account, "us_harbor_checking.csv")
    assert imp["status"] == "needs_mapping" and imp["columns"][1] == "Posting Date"

    response = api.post(f"/api/imports/{imp['id']}/mapping", imp["suggested_mapping"])

    assert response.status_code == 200, response.content
    assert response.json()["import"]["status"] == "ready" and response.json()["import"]["rows_new"] == 7


def test_a_confirmed_mapping_is_reused_for_the_next_file_of_the_account(api, account):
    imp = _ready(api, account, "us_harbor_checking.csv")
    api.post(f"/api/imports/{imp['id']}/mapping", imp["suggested_mapping"])

    again = _ready(api, account, "us_harbor_checking.csv")

    assert again["status"] == "ready" and again["mapping"]["date"] == "Posting Date"


def test_mapping_sent_with_the_upload_is_used(api, account):
    mapping = '{"date": "Posting Date", "amount": "Amount", "description": "Description", "date_format": "%m/%d/%Y"}'

    imp = _ready(api, account, "us_harbor_checking.csv", mapping=mapping)

    assert imp["status"] == "ready"


def test_a_mapping_naming_a_missing_column_is_a_400_naming_it(api, account):
    imp = _ready(api, account, "us_harbor_checking.csv")

    response = api.post(f"/api/imports/{imp['id']}/mapping", {**imp["suggested_mapping"], "amount": "Betrag"})

    assert response.status_code == 400
    assert "is not in this file" in response.json()["fields"]["amount"][0]


def test_a_mapping_at_upload_naming_a_missing_column_stores_nothing(api, account):
    response = api_upload(api, account, "us_harbor_checking.csv", mapping='{"date": "Datum", "amount": "Amount"}')

    assert response.status_code == 400 and "Datum" in response.json()["fields"]["mapping"][0]
    assert Import.objects.count() == 0


def test_commit_writes_the_new_rows_and_links_them(api, account):
    imp = _ready(api, account)

    response = api.post(f"/api/imports/{imp['id']}/commit")

    assert response.status_code == 200 and response.json()["import"]["status"] == "completed"
    txn = api.get("/api/transactions", account=str(account.pk), q="PARKVIEW").json()["transactions"][0]
    assert txn["import_id"] == imp["id"] and txn["external_id"] == "202503100003"


def test_commit_with_include_rows_imports_a_duplicate_too(api, owner, account):
    add_transaction(owner, account, amount=475, day=datetime.date(2025, 3, 14), description="Cafe Creme & Co")
    content = b"Date,Description,Amount\n2025-03-14,CAFE CREME & CO,-4.75\n"
    mapping = '{"date": "Date", "amount": "Amount", "description": "Description"}'
    imp = _ready(api, account, "x.csv", content, mapping=mapping)
    assert imp["rows_duplicate"] == 1

    response = api.post(f"/api/imports/{imp['id']}/commit", {"include_rows": [2]})

    assert response.json()["import"]["rows_new"] == 1
    assert Transaction.objects.filter(bank_account=account, transaction_date=datetime.date(2025, 3, 14)).count() == 2


def test_commit_twice_is_a_409(api, account):
    imp = _ready(api, account)
    api.post(f"/api/imports/{imp['id']}/commit")

    response = api.post(f"/api/imports/{imp['id']}/commit")

    assert response.status_code == 409 and response.json()["error"] == "conflict"


def test_undo_removes_exactly_the_imports_transactions_and_restores_the_balance(api, owner, account):
    mine = add_transaction(owner, account, amount=999, description="Typed")
    account.refresh_from_db()
    before = account.balance
    imp = _ready(api, account)
    api.post(f"/api/imports/{imp['id']}/commit")

    response = api.post(f"/api/imports/{imp['id']}/undo")

    account.refresh_from_db()
    assert response.status_code == 200 and response.json()["import"]["status"] == "undone"
    assert not Transaction.objects.filter(bank_import_id=imp["id"]).exists()
    assert Transaction.objects.filter(pk=mine.pk).exists() and account.balance == before


def test_undo_before_commit_or_twice_is_a_409(api, account):
    imp = _ready(api, account)
    assert api.post(f"/api/imports/{imp['id']}/undo").status_code == 409
    api.post(f"/api/imports/{imp['id']}/commit")
    api.post(f"/api/imports/{imp['id']}/undo")

    response = api.post(f"/api/imports/{imp['id']}/undo")

    assert response.status_code == 409 and "undone already" in response.json()["message"]


def test_undo_after_an_edit_asks_then_force_keeps_the_edited_one(api, owner, account):
    imp = _ready(api, account)
    api.post(f"/api/imports/{imp['id']}/commit")
    edited = Transaction.objects.filter(bank_import_id=imp["id"]).first()
    assert api.patch(f"/api/transactions/{edited.pk}", {"description": "Mine now"}).status_code == 200

    refused = api.post(f"/api/imports/{imp['id']}/undo")
    forced = api.post(f"/api/imports/{imp['id']}/undo", {"force": True})

    assert refused.status_code == 409 and "1 of the 7" in refused.json()["message"]
    assert forced.status_code == 200
    assert list(Transaction.objects.filter(bank_import_id=imp["id"])) == [edited]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"%PDF-1.7\n1 0 obj", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG"),
        (b"PK\x03\x04\x14\x00\x00\x00", "ZIP"),
    ],
    ids=["empty", "pdf", "png", "zip"],
)
def test_a_file_that_is_not_a_bank_file_is_a_400_storing_nothing(api, account, content, message):
    response = api_upload(api, account, "statement.csv", content)

    assert response.status_code == 400 and message in response.json()["fields"]["file"][0]
    assert Import.objects.count() == 0


def test_a_file_over_the_limit_is_a_413(api, account, settings):
    settings.IMPORT_MAX_BYTES = 1000

    response = api_upload(api, account, "big.csv", b"Date,Description,Amount\n" + b"2025-03-01,Coffee,-3.50\n" * 200)

    assert response.status_code == 413 and response.json()["error"] == "too_large"
    assert Import.objects.count() == 0


def test_a_csv_without_a_date_column_fails_saying_so(api, account):
    imp = _ready(api, account, "x.csv", b"Description,Amount\nCoffee,-3.50\nRent,-900\n")

    assert imp["status"] == "failed" and "no column of dates" in imp["errors"][0]["message"]
    assert not Transaction.objects.filter(bank_account=account, description="Coffee").exists()


def test_dates_that_do_not_parse_and_amounts_with_letters_make_rows_invalid_naming_them(api, account):
    content = b"Date,Description,Amount\n2025-03-01,Coffee,-3.50\n2025-02-30,Bad day,-1.00\n2025-03-02,Letters,12a.50\n"
    mapping = '{"date": "Date", "amount": "Amount", "description": "Description", "date_format": "%Y-%m-%d"}'

    imp = _ready(api, account, "x.csv", content, mapping=mapping)

    assert (imp["rows_new"], imp["rows_invalid"]) == (1, 2)
    assert imp["errors"][0]["row"] == 3 and "'2025-02-30'" in imp["errors"][0]["message"]
    assert imp["errors"][1]["row"] == 4 and "letters" in imp["errors"][1]["message"]


def test_an_ofx_with_a_broken_header_fails_naming_the_header(api, account):
    content = sample("ofx102_checking.ofx").replace(b"VERSION:102", b"VERSION:1O2")

    imp = _ready(api, account, "x.ofx", content)

    assert imp["status"] == "failed" and "header" in imp["errors"][0]["message"]


def test_a_camt_with_a_wrong_namespace_is_refused_naming_it(api, account):
    content = sample("camt053_giro.xml").replace(b"camt.053.001.02", b"camt.052.001.02")

    response = api_upload(api, account, "x.xml", content)

    assert response.status_code == 400 and "namespace" in response.json()["fields"]["file"][0]


def test_a_statement_in_another_currency_fails_with_a_clear_message(api, account):
    imp = _ready(api, account, "camt053_giro.xml")

    assert imp["status"] == "failed" and "in EUR but the account holds USD" in imp["errors"][0]["message"]
    assert not Transaction.objects.filter(bank_account=account, bank_import__isnull=False).exists()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Ntry>
<NtryRef>&lol3;</NtryRef></Ntry></Stmt></BkToCstmrStmt></Document>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Ntry>
<AddtlNtryInf>&xxe;</AddtlNtryInf></Ntry></Stmt></BkToCstmrStmt></Document>"""


@pytest.mark.parametrize("content", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_xml_with_entity_declarations_is_refused(api, account, content):
    response = api_upload(api, account, "x.xml", content)

    assert response.status_code == 400 and "DTD" in response.json()["fields"]["file"][0]
    assert Import.objects.count() == 0


@pytest.mark.parametrize("content", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_the_camt_reader_itself_refuses_entity_declarations(content):
    import io

    from banking.importers import ImportFileError, camt

    with pytest.raises(ImportFileError, match="document type"):
        camt.inspect(io.BytesIO(content.replace(b"<!DOCTYPE", b"\n<!DOCTYPE")))


def test_an_ofx_with_entity_declarations_is_refused():
    import io

    from banking.importers import ImportFileError, ofx

    content = sample("ofx211_card.qfx").replace(
        b"<OFX>", b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><OFX>'
    )
    with pytest.raises(ImportFileError, match="entities"):
        ofx.inspect(io.BytesIO(content))


def test_an_ofx_with_two_accounts_asks_which_one(api, owner, account):
    body = sample("ofx102_checking.ofx")
    start, end = body.index(b"<STMTTRNRS>"), body.index(b"</STMTTRNRS>") + len(b"</STMTTRNRS>")
    second = body[start:end].replace(b"987654321012", b"555566667777").replace(b"FITID>2025", b"FITID>X2025")
    imp = _ready(api, account, "two.ofx", body[:end] + second + body[end:])
    assert imp["status"] == "needs_mapping" and [s["account"] for s in imp["statements"]] == ["····1012", "····7777"]

    response = api.post(f"/api/imports/{imp['id']}/mapping", {"statement": 1})

    assert response.json()["import"]["status"] == "ready" and response.json()["import"]["rows_new"] == 7
    assert ImportRow.objects.filter(bank_import_id=imp["id"], external_id__startswith="X").count() == 7


def test_an_upload_into_a_closed_account_is_a_400(api, owner, account):
    from banking import services

    services.bank_account_close(user=owner, bank_account=account)

    response = api_upload(api, account, "ofx102_checking.ofx")

    assert response.status_code == 400 and "closed" in response.json()["fields"]["bank_account_id"][0]


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", ""), ("get", "/rows"), ("post", "/mapping"), ("post", "/commit"), ("post", "/undo")],
)
def test_another_users_import_is_a_404_everywhere(api, outsider_api, account, method, path):
    imp = _ready(api, account)

    response = getattr(outsider_api, method)(f"/api/imports/{imp['id']}{path}")

    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_uploading_into_another_users_account_is_a_404(outsider_api, account):
    response = api_upload(outsider_api, account, "ofx102_checking.ofx")

    assert response.status_code == 404


def test_the_list_shows_only_your_imports(api, outsider_api, account):
    _ready(api, account)

    assert len(api.get("/api/imports").json()["imports"]) == 1
    assert outsider_api.get("/api/imports").json()["imports"] == []


def test_a_json_body_instead_of_a_file_is_a_400(api, account):
    response = api.post("/api/imports", {"bank_account_id": str(account.pk)})

    assert response.status_code == 400 and "file" in response.json()["fields"]


def test_a_remembered_mapping_that_does_not_fit_the_new_file_asks_again(api, account):
    mapping = '{"date": "Date", "amount": "Amount", "description": "Description", "date_format": "%Y-%m-%d"}'
    _ready(api, account, "a.csv", b"Date,Description,Amount\n2025-03-01,Coffee,-3.50\n", mapping=mapping)

    again = _ready(api, account, "b.csv", b"Date,Description,Amount\n01/03/2025,Coffee,-3.50\n02/03/2025,Tea,-2.00\n")

    assert again["status"] == "needs_mapping" and "last file" in again["errors"][0]["message"]
    assert again["suggested_mapping"]["date"] == "Date"
