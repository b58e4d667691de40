"""Sample bank files for the demo user (`seed_demo`): a checking account's OFX statement and a card's CSV
export, made from the demo data so that importing them shows duplicates found, new rows, and two identical
purchases that are both real. The imports page offers them ("try a sample file")."""

import datetime
import json
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from banking.models import BankAccount, Transaction
from banking.money import to_decimal_string


@dataclass(frozen=True)
class SampleFile:
    name: str
    bank_account_id: str
    path: str

    def open(self):
        return default_storage.open(self.path, "rb")


def _samples_folder(user_id) -> str:
    return f"imports/{user_id}/samples"


def _ofx_line(txn: Transaction, fitid: str) -> str:
    kind = "CREDIT" if txn.signed_amount > 0 else "DEBIT"
    amount = to_decimal_string(txn.signed_amount, txn.currency)
    name = txn.description[:32].replace("&", "&amp;").replace("<", " ")
    return (
        f"<STMTTRN>\n<TRNTYPE>{kind}\n<DTPOSTED>{txn.transaction_date:%Y%m%d}\n<TRNAMT>{amount}\n"
        f"<FITID>{fitid}\n<NAME>{name}\n</STMTTRN>\n"
    )


def _recent(account: BankAccount, since: datetime.date) -> list[Transaction]:
    return list(
        Transaction.objects.filter(bank_account=account, transaction_date__gte=since)
        .exclude(type=Transaction.Type.TRANSFER)
        .order_by("transaction_date", "created_at")
    )


def _extra(account: BankAccount, today: datetime.date, rows: list[tuple[int, str, int]]) -> list[Transaction]:
    """Transactions the bank has and the demo data does not: (days ago, description, signed amount)."""
    return [
        Transaction(
            bank_account=account,
            currency=account.currency,
            transaction_date=today - datetime.timedelta(days=days),
            description=description,
            merchant_name=description,
            signed_amount=signed,
        )
        for days, description, signed in rows
    ]


def sample_ofx(account: BankAccount, today: datetime.date) -> bytes:
    """The last three weeks of the account as its bank would send them (OFX 1.02): what the demo data already
    has (duplicates) and three it has not (new)."""
    since = today - datetime.timedelta(days=21)
    known = _recent(account, since)
    extra = _extra(
        account, today, [(3, "BLUE BOTTLE COFFEE", -575), (2, "CITY PARKING 114", -1200), (1, "ATM REFUND", 300)]
    )
    lines = [_ofx_line(t, f"DEMO{t.transaction_date:%Y%m%d}{n:04d}") for n, t in enumerate(known + extra)]
    body = (
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\n"
        "COMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n<OFX>\n<SIGNONMSGSRSV1>\n<SONRS>\n<STATUS>\n"
        f"<CODE>0\n<SEVERITY>INFO\n</STATUS>\n<DTSERVER>{today:%Y%m%d}\n<LANGUAGE>ENG\n</SONRS>\n</SIGNONMSGSRSV1>\n"
        "<BANKMSGSRSV1>\n<STMTTRNRS>\n<TRNUID>1\n<STATUS>\n<CODE>0\n<SEVERITY>INFO\n</STATUS>\n<STMTRS>\n"
        f"<CURDEF>{account.currency}\n<BANKACCTFROM>\n<BANKID>{account.routing_number or '000000000'}\n"
        f"<ACCTID>{account.last4 or '0000'}\n<ACCTTYPE>CHECKING\n</BANKACCTFROM>\n<BANKTRANLIST>\n"
        f"<DTSTART>{since:%Y%m%d}\n<DTEND>{today:%Y%m%d}\n{''.join(lines)}</BANKTRANLIST>\n"
        f"<LEDGERBAL>\n<BALAMT>{to_decimal_string(account.balance, account.currency)}\n<DTASOF>{today:%Y%m%d}\n"
        "</LEDGERBAL>\n</STMTRS>\n</STMTTRNRS>\n</BANKMSGSRSV1>\n</OFX>\n"
    )
    return body.replace("\n", "\r\n").encode("cp1252", errors="replace")


def sample_csv(account: BankAccount, today: datetime.date) -> bytes:
    """The card's last two weeks as its issuer's website exports them (CSV): duplicates and new ones, among
    them two identical coffees on one day that are both real."""
    since = today - datetime.timedelta(days=14)
    known = _recent(account, since)
    extra = _extra(
        account,
        today,
        [
            (4, "SQ *CORNER BAKERY", -650),
            (4, "SQ *CORNER BAKERY", -650),
            (2, "MUSEUM SHOP", -2400),
            (1, "REFUND AMAZON", 1899),
        ],
    )
    out = ["Transaction Date,Post Date,Description,Type,Amount"]
    for txn in sorted(known + extra, key=lambda t: t.transaction_date, reverse=True):
        description = txn.description.replace('"', "'")
        kind = "Return" if txn.signed_amount > 0 else "Sale"
        posted = txn.transaction_date + datetime.timedelta(days=1)
        amount = to_decimal_string(txn.signed_amount, txn.currency)
        out.append(f'{txn.transaction_date:%m/%d/%Y},{posted:%m/%d/%Y},"{description}",{kind},{amount}')
    return ("\r\n".join(out) + "\r\n").encode("utf-8")


def samples_ensure(*, user, accounts: dict[str, BankAccount], today: datetime.date) -> list[str]:
    """Write (again) the sample OFX and CSV files for the demo user's checking and card accounts."""
    folder = _samples_folder(user.pk)
    made = {}
    for name, key, make in (
        ("checking-statement.ofx", "checking", sample_ofx),
        ("card-activity.csv", "credit", sample_csv),
    ):
        account = accounts.get(key)
        if account is None:
            continue
        account.refresh_from_db()
        path = f"{folder}/{name}"
        if default_storage.exists(path):
            default_storage.delete(path)
        default_storage.save(path, ContentFile(make(account, today)))
        made[name] = str(account.pk)
    manifest = f"{folder}/manifest.json"
    if default_storage.exists(manifest):
        default_storage.delete(manifest)
    default_storage.save(manifest, ContentFile(json.dumps(made).encode()))
    return sorted(made)


def sample_files(*, user) -> list[SampleFile]:
    """The sample files seed_demo left for this user (none for anyone else)."""
    manifest = f"{_samples_folder(user.pk)}/manifest.json"
    try:
        with default_storage.open(manifest, "rb") as handle:
            made = json.loads(handle.read())
    except (OSError, ValueError):
        return []
    folder = _samples_folder(user.pk)
    return [
        SampleFile(name=name, bank_account_id=account_id, path=f"{folder}/{name}")
        for name, account_id in sorted(made.items())
        if default_storage.exists(f"{folder}/{name}")
    ]


def sample_file(*, user, name: str) -> SampleFile | None:
    return next((sample for sample in sample_files(user=user) if sample.name == name), None)
