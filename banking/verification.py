"""The seam to whatever sends micro-deposits. No ACH processor is connected: the built-in provider
simulates one by recording the two deposits as `credit` transactions described `ACCTVERIFY`, in the
`verification` category: they are shown in the account's history but count in no balance, spending or income.

A real provider implements `send_micro_deposits` by asking its processor to send the amounts and returns its
reference; BANK_VERIFICATION_PROVIDER names the class. It is called from a background task (banking.tasks),
which may run again after a crash: pass `idempotency_key` to the processor so the deposits go out once.
"""

from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from banking.models import BankAccount, Category, Transaction

DEPOSIT_DESCRIPTION = "ACCTVERIFY"
DEFAULT_PROVIDER = "banking.verification.SimulatedMicroDepositProvider"


class MicroDepositProvider(Protocol):
    name: str

    def send_micro_deposits(self, *, bank_account: BankAccount, amounts: tuple[int, int], idempotency_key: str) -> str:
        """Send the two deposits (minor units, 1..99) to the account; return the provider's reference."""
        ...


class SimulatedMicroDepositProvider:
    """Posts the deposits at once, as a bank would a day or two later."""

    name = "simulated"

    def send_micro_deposits(self, *, bank_account: BankAccount, amounts: tuple[int, int], idempotency_key: str) -> str:
        # The deposits are written in the dispatching transaction: they exist once, whatever the retries.
        today = timezone.localdate()
        deposits = [
            Transaction(
                user_id=bank_account.user_id,
                bank_account=bank_account,
                amount=amount,
                signed_amount=amount,
                currency=bank_account.currency,
                type=Transaction.Type.CREDIT,
                status=Transaction.Status.COMPLETED,
                description=DEPOSIT_DESCRIPTION,
                category=Category.VERIFICATION,
                merchant_name="Ledgerly verification",
                transaction_date=today,
                posting_date=today,
            )
            for amount in amounts
        ]
        for deposit in deposits:
            deposit.full_clean(validate_constraints=False)
            deposit.save(force_insert=True)
        return f"sim_{bank_account.pk.hex[:12]}"


def get_provider() -> MicroDepositProvider:
    path = getattr(settings, "BANK_VERIFICATION_PROVIDER", DEFAULT_PROVIDER)
    return import_string(path)()
