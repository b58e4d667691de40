import base64
import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.test import override_settings

from accounts.models import AuditEvent, User
from banking import crypto, services
from banking.crypto import parse_keys
from banking.models import BankAccount, Budget, DailySpending, Transaction
from tests.banking.conftest import ACCOUNT_NUMBER, ROUTING, make_account

pytestmark = pytest.mark.django_db

OLD = base64.b64encode(b"\x01" * 32).decode()
NEW = base64.b64encode(b"\x07" * 32).decode()


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), verbosity=0, **options)
    return out.getvalue()


def readable(account) -> str:
    account.refresh_from_db()
    return services.bank_account_reveal_number(user=account.user, bank_account=account)


def test_generate_encryption_key_prints_a_valid_key():
    out = run("generate_encryption_key").strip()

    assert len(parse_keys([out])[0]) == 32


@pytest.fixture
def old_accounts(settings, owner, outsider):
    settings.BANK_DATA_ENCRYPTION_KEYS = [OLD]
    return [
        make_account(owner, account_number="11112222333"),
        make_account(owner, account_number="44445555666", routing_number="011000015"),
        make_account(outsider, account_number="77778888999"),
    ]


def test_rotation_re_encrypts_under_the_first_key_and_keeps_numbers_readable(settings, old_accounts):
    settings.BANK_DATA_ENCRYPTION_KEYS = [NEW, OLD]
    new_id = crypto.get_key_ring().primary_key_id

    out = run("rotate_encryption_keys", batch_size=2)

    assert "Rotated 3 of 3" in out and "0 left" in out
    for account in old_accounts:
        account.refresh_from_db()
        assert account.account_number_encrypted.startswith(f"v1:{new_id}:")
        assert account.account_fingerprint.startswith(f"{new_id}:")
    settings.BANK_DATA_ENCRYPTION_KEYS = [NEW]  # the old key can go now
    assert [readable(a) for a in old_accounts] == ["11112222333", "44445555666", "77778888999"]


def test_numbers_stay_readable_during_rotation_with_both_keys(settings, old_accounts):
    settings.BANK_DATA_ENCRYPTION_KEYS = [NEW, OLD]

    assert readable(old_accounts[0]) == "11112222333"


def test_duplicates_are_found_before_and_after_rotation(settings, old_accounts, owner):
    settings.BANK_DATA_ENCRYPTION_KEYS = [NEW, OLD]
    settings.FREE_MAX_BANK_ACCOUNTS = 100
    with pytest.raises(services.DuplicateBankAccount):
        services.bank_account_create(
            user=owner, account_number="11112222333", routing_number=ROUTING, bank_name="B", account_type="checking"
        )

    run("rotate_encryption_keys")
    settings.BANK_DATA_ENCRYPTION_KEYS = [NEW]

    with pytest.raises(services.DuplicateBankAccount):
        services.bank_account_create(
            user=owner, account_number="11112222333", routing_number=ROUTING, bank_name="B", account_type="checking"
        )


def test_rotation_run_twice_does_nothing_the_second_time(settings, old_accounts):
    settings.BANK_DATA_ENCRYPTION_KEYS = [NEW, OLD]
    run("rotate_encryption_keys")
    stored = list(BankAccount.objects.order_by("pk").values_list("account_number_encrypted", flat=True))

    out = run("rotate_encryption_keys")

    assert "Rotated 0 of 0" in out
    assert list(BankAccount.objects.order_by("pk").values_list("account_number_encrypted", flat=True)) == stored


def test_rotation_skips_a_row_changed_meanwhile_and_a_rerun_finishes_it(settings, old_accounts, monkeypatch):
    settings.BANK_DATA_ENCRYPTION_KEYS = [NEW, OLD]
    ring = crypto.get_key_ring()
    victim = old_accounts[1]
    real_decrypt = ring.decrypt

    def decrypt_then_someone_writes(token, *, context):
        plaintext = real_decrypt(token, context=context)
        if str(victim.pk) in context.decode():
            # Another process re-encrypts the row between our read and our write.
            BankAccount.objects.filter(pk=victim.pk).update(
                account_number_encrypted=crypto.KeyRing.from_setting([OLD]).encrypt(plaintext, context=context)
            )
        return plaintext

    monkeypatch.setattr(ring, "decrypt", decrypt_then_someone_writes)
    out = run("rotate_encryption_keys")
    monkeypatch.undo()

    assert "Rotated 2 of 3" in out and "run the command again" in out
    assert "Rotated 1 of 1" in run("rotate_encryption_keys")
    settings.BANK_DATA_ENCRYPTION_KEYS = [NEW]
    assert readable(victim) == "44445555666"


def test_rotation_reports_a_number_it_cannot_decrypt(settings, old_accounts):
    settings.BANK_DATA_ENCRYPTION_KEYS = [NEW]  # the old key is missing

    with pytest.raises(CommandError, match="3 account number"):
        run("rotate_encryption_keys")


# --- seed_demo ------------------------------------------------------------------------------------


def test_seed_demo_creates_a_verified_demo_user_with_data():
    out = run("seed_demo")

    user = User.objects.get(email="demo@example.com")
    assert "demo@example.com / ledgerly-demo-2025" in out
    assert user.check_password("ledgerly-demo-2025")
    assert user.emailaddress_set.get().verified
    accounts = BankAccount.objects.filter(user=user)
    assert accounts.count() == 4 and set(accounts.values_list("currency", flat=True)) == {"USD", "EUR"}
    assert set(accounts.values_list("account_type", flat=True)) == {"checking", "savings", "credit"}
    assert all(a.status == "active" and a.is_verified for a in accounts)
    assert Transaction.objects.filter(user=user).count() > 500
    assert Transaction.objects.filter(user=user, type="transfer").count() % 2 == 0
    assert Budget.objects.filter(user=user).count() >= 5
    assert AuditEvent.objects.filter(action="demo.seeded", user=user).exists()


def test_seed_demo_balances_and_spending_match_the_transactions():
    run("seed_demo")

    for account in BankAccount.objects.all():
        expected = account.transactions.filter(status="completed").aggregate(s=Sum("signed_amount"))["s"] or 0
        assert account.balance == expected
    debits = Transaction.objects.filter(type="debit").exclude(status="failed").aggregate(s=Sum("amount"))["s"]
    assert DailySpending.objects.aggregate(s=Sum("amount"))["s"] == debits


def test_seed_demo_is_safe_to_run_twice():
    run("seed_demo")
    counts = (BankAccount.objects.count(), Transaction.objects.count(), Budget.objects.count())

    out = run("seed_demo")

    assert (BankAccount.objects.count(), Transaction.objects.count(), Budget.objects.count()) == counts
    assert "(0 new)" in out


def test_seed_demo_tops_up_to_n_transactions_for_another_email():
    run("seed_demo", email="bench@example.com", transactions=3000)
    run("seed_demo", email="bench@example.com", transactions=3000)

    user = User.objects.get(email="bench@example.com")
    assert Transaction.objects.filter(user=user).count() == 3000
    assert not User.objects.filter(email="demo@example.com").exists()


def test_seed_demo_numbers_are_encrypted_and_readable():
    run("seed_demo")

    for account in BankAccount.objects.all():
        number = services.bank_account_reveal_number(user=account.user, bank_account=account)
        assert number.endswith(account.last4) and number not in account.account_number_encrypted


def test_seed_demo_with_a_password_uses_it():
    out = run("seed_demo", email="someone@example.com", password="another-password-123")

    assert "someone@example.com / another-password-123" in out
    assert User.objects.get(email="someone@example.com").check_password("another-password-123")


def test_seed_demo_does_not_touch_an_existing_users_password(owner):
    from tests.conftest import PASSWORD

    out = run("seed_demo", email=owner.email)

    owner.refresh_from_db()
    assert owner.check_password(PASSWORD) and "unchanged" in out
    assert ACCOUNT_NUMBER not in out


def test_rotation_covers_every_schemes_identifier_and_its_duplicate_check(settings, owner):
    settings.BANK_DATA_ENCRYPTION_KEYS = [OLD]
    with override_settings(FREE_MAX_BANK_ACCOUNTS=100):
        iban = services.bank_account_create(
            user=owner, account_type="savings", bank_name="B", iban="DE89370400440532013000"
        )
        uk = services.bank_account_create(user=owner, account_type="checking", bank_name="B", sort_code="123456",
                                          account_number="12345678")  # fmt: skip
        other = services.bank_account_create(
            user=owner, account_type="loan", bank_name="B", account_number="LN99887766"
        )
        cash = services.bank_account_create(user=owner, account_type="cash", nickname="Wallet")
    settings.BANK_DATA_ENCRYPTION_KEYS = [NEW, OLD]

    out = run("rotate_encryption_keys")

    assert "Rotated 3 of 3" in out and "0 left" in out
    settings.BANK_DATA_ENCRYPTION_KEYS = [NEW]
    assert [readable(a) for a in (iban, uk, other)] == ["DE89 3704 0044 0532 0130 00", "12345678", "LN99887766"]
    cash.refresh_from_db()
    assert cash.account_number_encrypted == "" and cash.account_fingerprint == ""
    with override_settings(FREE_MAX_BANK_ACCOUNTS=100), pytest.raises(services.DuplicateBankAccount):
        services.bank_account_create(user=owner, account_type="savings", bank_name="B", iban="DE89370400440532013000")
    with override_settings(FREE_MAX_BANK_ACCOUNTS=100), pytest.raises(services.DuplicateBankAccount):
        services.bank_account_create(
            user=owner, account_type="checking", bank_name="B", sort_code="12-34-56", account_number="12345678"
        )
