"""Writes for banking, one module per entity. Every function is keyword-only and atomic, validates with the
models' own rules (`base.validate`) and writes an audit event; caches that depend on the data move on by
themselves (banking.signals).
"""

from banking.services.alerts import alert_settings_update
from banking.services.balances import bank_account_balances_recompute, spending_rebuild
from banking.services.bank_accounts import (
    ACCOUNT_EDITABLE_FIELDS,
    BankAccountLimitReached,
    DuplicateBankAccount,
    account_number_context,
    bank_account_activate,
    bank_account_close,
    bank_account_create,
    bank_account_delete,
    bank_account_reopen,
    bank_account_reveal_number,
    bank_account_suspend,
    bank_account_update,
)
from banking.services.budgets import BUDGET_FIELDS, budget_create, budget_delete, budget_update
from banking.services.categories import (
    CategoryProtected,
    DuplicateCategory,
    categories_create_defaults,
    category_create,
    category_delete,
    category_update,
)
from banking.services.import_commit import import_undo
from banking.services.imports import (
    ImportConflict,
    ImportTooLarge,
    import_commit,
    import_create,
    import_row_flip,
    import_set_mapping,
    parse_mapping_text,
)
from banking.services.micro_deposits import VerificationError, bank_account_resend_deposits, bank_account_verify
from banking.services.recurring import recurring_detect, recurring_set_status
from banking.services.rules import (
    ApplyResult,
    learned_rule_fields,
    rule_apply_requested,
    rule_create,
    rule_delete,
    rule_update,
    rules_apply_to_new,
    rules_create_defaults,
)
from banking.services.transactions import (
    EDITABLE_FIELDS,
    TRANSFER_EDITABLE_FIELDS,
    transaction_create,
    transaction_delete,
    transaction_update,
    transfer_create,
)

__all__ = [
    "ApplyResult",
    "CategoryProtected",
    "DuplicateCategory",
    "alert_settings_update",
    "categories_create_defaults",
    "category_create",
    "category_delete",
    "category_update",
    "learned_rule_fields",
    "recurring_detect",
    "recurring_set_status",
    "rule_apply_requested",
    "rule_create",
    "rule_delete",
    "rule_update",
    "rules_apply_to_new",
    "rules_create_defaults",
    "ACCOUNT_EDITABLE_FIELDS",
    "BUDGET_FIELDS",
    "EDITABLE_FIELDS",
    "TRANSFER_EDITABLE_FIELDS",
    "BankAccountLimitReached",
    "DuplicateBankAccount",
    "ImportConflict",
    "ImportTooLarge",
    "VerificationError",
    "account_number_context",
    "bank_account_activate",
    "bank_account_balances_recompute",
    "bank_account_close",
    "bank_account_create",
    "bank_account_delete",
    "bank_account_reopen",
    "bank_account_resend_deposits",
    "bank_account_reveal_number",
    "bank_account_suspend",
    "bank_account_update",
    "bank_account_verify",
    "budget_create",
    "budget_delete",
    "budget_update",
    "import_commit",
    "import_create",
    "import_row_flip",
    "import_set_mapping",
    "import_undo",
    "parse_mapping_text",
    "spending_rebuild",
    "transaction_create",
    "transaction_delete",
    "transaction_update",
    "transfer_create",
]
