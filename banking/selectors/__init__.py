"""Reads for banking, one module per entity. Every object a user asks for by id comes through a
`get_*_for_user` helper, which scopes the lookup to its owner (someone else's id is a 404, never a 403).
Lists run a fixed number of queries whatever the amount of data.
"""

from banking.selectors.alerts import alert_settings_for
from banking.selectors.bank_accounts import (
    ACCOUNT_KEYSET,
    AccountAllowance,
    CurrencyTotal,
    account_transaction_counts,
    bank_account_allowance,
    bank_account_list,
    bank_account_page,
    get_bank_account_for_user,
    limited_account_count,
    totals_by_currency,
    verification_for,
)
from banking.selectors.budgets import (
    BUDGET_KEYSET,
    BudgetProgress,
    budget_list,
    budget_page,
    budget_period,
    budget_progress,
    get_budget_for_user,
    month_bounds,
)
from banking.selectors.categories import (
    attach_category_names,
    category_list,
    category_names,
    category_transaction_counts,
    category_usage,
    get_category_for_user,
    user_categories,
)
from banking.selectors.dashboard import Dashboard, dashboard_summary
from banking.selectors.export import export_sections
from banking.selectors.imports import (
    IMPORT_KEYSET,
    IMPORT_ROW_KEYSET,
    duplicates_of,
    get_import_for_user,
    import_page,
    import_row_page,
    remembered_mapping,
)
from banking.selectors.recurring import Upcoming, get_series_for_user, recurring_list, recurring_page, upcoming_payments
from banking.selectors.rules import RulePreview, get_rule_for_user, rule_list, rule_page, rule_preview
from banking.selectors.spending import CategorySpend, spending_by_category
from banking.selectors.transactions import (
    TRANSACTION_KEYSET,
    TransactionFilters,
    attach_accounts,
    get_transaction_for_user,
    history_lists,
    recent_transactions,
    transaction_page,
    transaction_queryset,
)

__all__ = [
    "RulePreview",
    "Upcoming",
    "alert_settings_for",
    "attach_category_names",
    "category_list",
    "category_names",
    "category_transaction_counts",
    "category_usage",
    "get_category_for_user",
    "get_rule_for_user",
    "get_series_for_user",
    "recurring_list",
    "recurring_page",
    "rule_list",
    "rule_page",
    "rule_preview",
    "upcoming_payments",
    "user_categories",
    "ACCOUNT_KEYSET",
    "BUDGET_KEYSET",
    "IMPORT_KEYSET",
    "IMPORT_ROW_KEYSET",
    "TRANSACTION_KEYSET",
    "AccountAllowance",
    "BudgetProgress",
    "CategorySpend",
    "CurrencyTotal",
    "Dashboard",
    "TransactionFilters",
    "account_transaction_counts",
    "attach_accounts",
    "bank_account_allowance",
    "bank_account_list",
    "bank_account_page",
    "budget_list",
    "budget_page",
    "budget_period",
    "budget_progress",
    "dashboard_summary",
    "duplicates_of",
    "export_sections",
    "get_bank_account_for_user",
    "get_budget_for_user",
    "get_import_for_user",
    "get_transaction_for_user",
    "history_lists",
    "import_page",
    "import_row_page",
    "limited_account_count",
    "month_bounds",
    "recent_transactions",
    "remembered_mapping",
    "spending_by_category",
    "totals_by_currency",
    "transaction_page",
    "transaction_queryset",
    "verification_for",
]
