"""Banking's tables, and the rules about their values: each rule lives on its field (validators, error
messages) or in the model's `clean()`, so the services, the admin, the pages and the API all obey the same
ones. The check constraints repeat the essential ones in the database, as the last line of defence.
"""

from banking.models.bank_accounts import BankAccount, MicroDepositVerification
from banking.models.budgets import Budget
from banking.models.fields import (
    CURRENCY_ERRORS,
    NON_SPENDING_CATEGORIES,
    SPENDING_CATEGORIES,
    USER_CATEGORIES,
    Category,
    MinorUnitsField,
    choice_error,
    date_field,
)
from banking.models.imports import Import, ImportRow
from banking.models.transactions import DailySpending, Transaction

__all__ = [
    "CURRENCY_ERRORS",
    "NON_SPENDING_CATEGORIES",
    "SPENDING_CATEGORIES",
    "USER_CATEGORIES",
    "BankAccount",
    "Budget",
    "Category",
    "DailySpending",
    "Import",
    "ImportRow",
    "MicroDepositVerification",
    "MinorUnitsField",
    "Transaction",
    "choice_error",
    "date_field",
]
