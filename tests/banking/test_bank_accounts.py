import hmac

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from accounts.models import AuditEvent
from banking import crypto, services
from banking.models import BankAccount, MicroDepositVerification, Transaction
from banking.services import account_number_context
from banking.services import micro_deposits as micro_deposits_service
from tests.banking.conftest import ACCOUNT_NUMBER, ROUTING, make_account


def create(user, **overrides):
    data = {
        "account_number": ACCOUNT_NUMBER,
        "routing_number": ROUTING,
        "bank_name": "Harbor National Bank",
        "account_type": "checking",
    }
    data.update(overrides)
    return services.bank_account_create(user=user, **data)


def test_new_account_stores_the_number_encrypted_and_last4(owner):
    account = create(owner)

    assert ACCOUNT_NUMBER not in account.account_number_encrypted
    assert account.last4 == "1012"
    assert account.status == "pending" and not account.is_verified
    ring = crypto.get_key_ring()
    assert ring.decrypt(account.account_number_encrypted, context=account_number_context(account.pk)) == ACCOUNT_NUMBER


def test_new_account_is_audited_without_the_number(owner):
    account = create(owner)

    event = AuditEvent.objects.get(action="bank_account.created")
    assert event.user == owner
    assert event.details["bank_account_id"] == str(account.pk)
    assert ACCOUNT_NUMBER not in str(event.details)


def test_new_account_gets_two_acctverify_deposits_of_1_to_99_cents(owner):
    account = create(owner)

    deposits = list(Transaction.objects.filter(bank_account=account))
    verification = MicroDepositVerification.objects.get(bank_account=account)
    assert len(deposits) == 2
    assert all(d.description == "ACCTVERIFY" and d.type == "credit" for d in deposits)
    assert all(d.category == "verification" for d in deposits)
    assert sorted(d.amount for d in deposits) == sorted([verification.amount_1, verification.amount_2])
    assert all(1 <= d.amount <= 99 for d in deposits)
    account.refresh_from_db()
    assert account.balance == 0  # the deposits are never money


def test_deposits_expire_after_10_days(owner):
    account = create(owner)

    verification = MicroDepositVerification.objects.get(bank_account=account)
    assert (verification.expires_at - verification.sent_at).days == 10


def test_spaces_and_dashes_in_numbers_are_ignored(owner):
    account = create(owner, account_number="9876-5432 1012", routing_number="021 000 021")

    assert account.last4 == "1012" and account.routing_number == ROUTING


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("account_number", "123", "4 to 17 digits"),
        ("account_number", "12345678901234567890", "4 to 17 digits"),
        ("account_number", "12ab5678", "digits only"),
        ("account_number", 12345678, "string of digits"),
        ("routing_number", "021000022", "check digit"),
        ("routing_number", "12345", "9-digit"),
        ("bank_name", "", "Enter the bank"),
        ("bank_name", "x" * 101, "at most 100"),
        ("account_type", "brokerage", "checking, savings, credit"),
        ("currency", "XYZ", "Unknown currency"),
        ("currency", "dollars", "Unknown currency"),
    ],
)
def test_bad_input_is_rejected_per_field_and_nothing_is_stored(owner, field, value, message):
    with pytest.raises(ValidationError) as info:
        create(owner, **{field: value})

    assert any(message in m for m in info.value.message_dict[field])
    assert not BankAccount.objects.exists() and not Transaction.objects.exists()


def test_same_account_and_routing_twice_is_a_duplicate(owner):
    with override_settings(FREE_MAX_BANK_ACCOUNTS=5):
        create(owner)
        with pytest.raises(services.DuplicateBankAccount):
            create(owner, account_number="9876 5432 1012", nickname="again")

    assert BankAccount.objects.count() == 1


def test_same_number_at_another_bank_is_not_a_duplicate(owner):
    with override_settings(FREE_MAX_BANK_ACCOUNTS=5):
        create(owner)
        create(owner, routing_number="011000015")

    assert BankAccount.objects.count() == 2


def test_two_users_may_link_the_same_account_with_unrelated_fingerprints(owner, outsider):
    mine, theirs = create(owner), create(outsider)

    assert mine.account_fingerprint != theirs.account_fingerprint


def test_free_plan_limit_stops_the_second_account(owner):
    create(owner)

    with pytest.raises(services.BankAccountLimitReached):
        create(owner, account_number="5555444433")
    assert BankAccount.objects.count() == 1


def test_reveal_decrypts_and_is_audited(owner, account):
    number = services.bank_account_reveal_number(user=owner, bank_account=account)

    assert number == ACCOUNT_NUMBER
    assert AuditEvent.objects.filter(action="bank_account.number_revealed", user=owner).count() == 1


def test_reveal_refuses_someone_elses_account(outsider, account):
    with pytest.raises(BankAccount.DoesNotExist):
        services.bank_account_reveal_number(user=outsider, bank_account=account)


def test_delete_removes_transactions_and_is_audited(owner, account):
    services.bank_account_delete(user=owner, bank_account=account)

    assert not BankAccount.objects.exists() and not Transaction.objects.exists()
    assert AuditEvent.objects.filter(action="bank_account.deleted").exists()


# --- verification ---------------------------------------------------------------------------------


def amounts_of(account):
    v = MicroDepositVerification.objects.get(bank_account=account)
    return [v.amount_1, v.amount_2]


def test_right_amounts_verify_and_activate(owner):
    account = create(owner)

    account = services.bank_account_verify(user=owner, bank_account=account, amounts=amounts_of(account))

    assert account.status == "active" and account.is_verified
    assert AuditEvent.objects.filter(action="bank_account.verified").count() == 1


def test_amounts_may_come_in_either_order(owner):
    account = create(owner)

    account = services.bank_account_verify(user=owner, bank_account=account, amounts=amounts_of(account)[::-1])

    assert account.status == "active"


def test_comparison_is_constant_time(owner, monkeypatch):
    account = create(owner)
    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(micro_deposits_service.hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))

    services.bank_account_verify(user=owner, bank_account=account, amounts=amounts_of(account))

    assert len(calls) == 1


def wrong(account):
    a, b = amounts_of(account)
    return [a % 99 + 1, b % 99 + 1] if a != b % 99 + 1 else [a % 99 + 1, b % 98 + 2]


def test_wrong_amounts_count_an_attempt_and_are_audited(owner):
    account = create(owner)

    with pytest.raises(services.VerificationError) as info:
        services.bank_account_verify(user=owner, bank_account=account, amounts=wrong(account))

    assert info.value.code == "wrong_amounts" and info.value.attempts_left == 2
    assert MicroDepositVerification.objects.get(bank_account=account).attempts == 1
    event = AuditEvent.objects.get(action="bank_account.verification_failed")
    assert event.details["attempt"] == 1


def test_third_wrong_attempt_suspends(owner):
    account = create(owner)
    for _ in range(2):
        with pytest.raises(services.VerificationError):
            services.bank_account_verify(user=owner, bank_account=account, amounts=wrong(account))

    with pytest.raises(services.VerificationError) as info:
        services.bank_account_verify(user=owner, bank_account=account, amounts=wrong(account))

    assert info.value.code == "suspended"
    account.refresh_from_db()
    assert account.status == "suspended"
    assert AuditEvent.objects.filter(action="bank_account.verification_failed").count() == 3


def test_suspended_account_cannot_verify_even_with_the_right_amounts(owner):
    account = create(owner)
    for _ in range(3):
        with pytest.raises(services.VerificationError):
            services.bank_account_verify(user=owner, bank_account=account, amounts=wrong(account))

    with pytest.raises(services.VerificationError) as info:
        services.bank_account_verify(user=owner, bank_account=account, amounts=amounts_of(account))

    assert info.value.code == "suspended"
    account.refresh_from_db()
    assert account.status == "suspended"


def test_expired_deposits_cannot_verify(owner, time_machine_days):
    account = create(owner)
    time_machine_days(11)

    with pytest.raises(services.VerificationError) as info:
        services.bank_account_verify(user=owner, bank_account=account, amounts=amounts_of(account))

    assert info.value.code == "expired"


def test_expired_deposits_can_be_sent_again(owner, time_machine_days):
    account = create(owner)
    time_machine_days(11)

    services.bank_account_resend_deposits(user=owner, bank_account=account)

    assert Transaction.objects.filter(bank_account=account, description="ACCTVERIFY").count() == 4
    account = services.bank_account_verify(user=owner, bank_account=account, amounts=amounts_of(account))
    assert account.status == "active"


def test_valid_deposits_are_not_resent(owner):
    account = create(owner)

    with pytest.raises(services.VerificationError):
        services.bank_account_resend_deposits(user=owner, bank_account=account)


@pytest.mark.parametrize("amounts", [None, [1], [1, 2, 3], ["12", 30], [0, 30], [100, 30], [True, 30], [1.5, 30]])
def test_malformed_amounts_are_a_field_error(owner, amounts):
    account = create(owner)

    with pytest.raises(ValidationError) as info:
        services.bank_account_verify(user=owner, bank_account=account, amounts=amounts)

    assert "amounts" in info.value.message_dict
    assert MicroDepositVerification.objects.get(bank_account=account).attempts == 0


def test_staff_suspend_and_activate_are_audited(owner, staff):
    account = make_account(owner)

    services.bank_account_suspend(actor=staff, bank_account=account)
    account.refresh_from_db()
    assert account.status == "suspended"
    services.bank_account_activate(actor=staff, bank_account=account)
    account.refresh_from_db()
    assert account.status == "active"
    assert (
        AuditEvent.objects.filter(action__in=["bank_account.suspended", "bank_account.activated"], user=staff).count()
        == 2
    )


def test_activating_an_unverified_suspended_account_sends_new_deposits(owner, staff):
    account = create(owner)
    services.bank_account_suspend(actor=staff, bank_account=account)

    services.bank_account_activate(actor=staff, bank_account=account)

    account.refresh_from_db()
    assert account.status == "pending"
    assert MicroDepositVerification.objects.get(bank_account=account).attempts == 0


class RecordingProvider:
    """A stand-in ACH processor at the provider seam: it records what it was asked to send."""

    name = "recording"
    sent: list = []

    def send_micro_deposits(self, *, bank_account, amounts, idempotency_key):
        RecordingProvider.sent.append((bank_account.pk, amounts))
        return "ref-123"


def test_deposits_go_through_the_configured_provider(owner, settings):
    settings.BANK_VERIFICATION_PROVIDER = "tests.banking.test_bank_accounts.RecordingProvider"
    RecordingProvider.sent = []

    account = create(owner)

    verification = MicroDepositVerification.objects.get(bank_account=account)
    assert RecordingProvider.sent == [(account.pk, (verification.amount_1, verification.amount_2))]
    assert verification.provider == "recording" and verification.provider_reference == "ref-123"
    assert not Transaction.objects.filter(bank_account=account).exists()


def test_the_provider_is_called_by_the_worker_not_in_the_request(owner, settings, real_queue):
    from banking.services.micro_deposits import micro_deposits_dispatch

    settings.BANK_VERIFICATION_PROVIDER = "tests.banking.test_bank_accounts.RecordingProvider"
    RecordingProvider.sent = []

    account = create(owner)
    verification = MicroDepositVerification.objects.get(bank_account=account)
    assert RecordingProvider.sent == [] and verification.dispatched_at is None

    real_queue.drain()
    verification.refresh_from_db()

    assert RecordingProvider.sent == [(account.pk, (verification.amount_1, verification.amount_2))]
    assert verification.dispatched_at is not None and verification.provider_reference == "ref-123"
    assert micro_deposits_dispatch(verification_id=verification.pk) == "already sent"
    assert len(RecordingProvider.sent) == 1


def test_deposits_for_an_account_removed_before_the_worker_ran_are_not_sent(owner, settings):
    from banking.services.micro_deposits import micro_deposits_dispatch

    settings.BANK_VERIFICATION_PROVIDER = "tests.banking.test_bank_accounts.RecordingProvider"
    account = create(owner)
    verification_id = MicroDepositVerification.objects.get(bank_account=account).pk
    RecordingProvider.sent = []
    services.bank_account_delete(user=owner, bank_account=account)

    assert micro_deposits_dispatch(verification_id=verification_id) == "gone"
    assert RecordingProvider.sent == []
