"""Banking's tables, and the rules about their values: each rule lives on its field (validators, error
messages) or in the model's `clean()`, so the services, the admin, the pages and the API all obey the same
ones. The check constraints repeat the essential ones in the database, as the last line of defence.
"""

from banking.models.alerts import AlertSent, AlertSettings
from banking.models.bank_accounts import BankAccount, MicroDepositVerification
from banking.models.budgets import Budget
from banking.models.categories import (
    DEFAULT_CATEGORIES,
    INCOME_KIND,
    SPENDING_KIND,
    Category,
    CategoryKind,
    DefaultCategory,
    share_categories,
)
from banking.models.fields import CURRENCY_ERRORS, MinorUnitsField, choice_error, date_field
from banking.models.imports import Import, ImportRow
from banking.models.insights import DailyFlow
from banking.models.recurring import RecurringSeries
from banking.models.rules import Rule
from banking.models.transactions import DailySpending, Transaction

__all__ = [
    "CURRENCY_ERRORS",
    "DEFAULT_CATEGORIES",
    "INCOME_KIND",
    "SPENDING_KIND",
    "AlertSent",
    "AlertSettings",
    "BankAccount",
    "Budget",
    "Category",
    "CategoryKind",
    "DefaultCategory",
    "DailyFlow",
    "DailySpending",
    "Import",
    "ImportRow",
    "MicroDepositVerification",
    "MinorUnitsField",
    "RecurringSeries",
    "Rule",
    "Transaction",
    "choice_error",
    "date_field",
    "share_categories",
]
