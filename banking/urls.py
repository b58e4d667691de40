from django.urls import path

from banking.views import alerts, bank_accounts, budgets, categories, dashboard, recurring, rules, transactions

app_name = "banking"

urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/accounts/", bank_accounts.account_list, name="account_list"),
    path("dashboard/accounts/new", bank_accounts.account_new, name="account_new"),
    path("dashboard/accounts/<uuid:id>/", bank_accounts.account_detail, name="account_detail"),
    path("dashboard/accounts/<uuid:id>/edit", bank_accounts.account_edit, name="account_edit"),
    path("dashboard/accounts/<uuid:id>/close", bank_accounts.account_close, name="account_close"),
    path("dashboard/accounts/<uuid:id>/reopen", bank_accounts.account_reopen, name="account_reopen"),
    path("dashboard/accounts/<uuid:id>/verify", bank_accounts.account_verify, name="account_verify"),
    path(
        "dashboard/accounts/<uuid:id>/deposits", bank_accounts.account_resend_deposits, name="account_resend_deposits"
    ),
    path("dashboard/accounts/<uuid:id>/reveal", bank_accounts.account_reveal, name="account_reveal"),
    path("dashboard/accounts/<uuid:id>/delete", bank_accounts.account_delete, name="account_delete"),
    path("dashboard/transactions/", transactions.transaction_list, name="transaction_list"),
    path("dashboard/transactions/new", transactions.transaction_new, name="transaction_new"),
    path("dashboard/transactions/transfer", transactions.transfer_new, name="transfer_new"),
    path("dashboard/transactions/<uuid:id>/edit", transactions.transaction_edit, name="transaction_edit"),
    path("dashboard/transactions/<uuid:id>/delete", transactions.transaction_delete, name="transaction_delete"),
    path("dashboard/budgets/", budgets.budget_list, name="budget_list"),
    path("dashboard/budgets/new", budgets.budget_new, name="budget_new"),
    path("dashboard/budgets/<uuid:id>/edit", budgets.budget_edit, name="budget_edit"),
    path("dashboard/budgets/<uuid:id>/delete", budgets.budget_delete, name="budget_delete"),
    path("dashboard/rules/", rules.rule_list, name="rule_list"),
    path("dashboard/rules/new", rules.rule_new, name="rule_new"),
    path("dashboard/rules/preview", rules.rule_preview, name="rule_preview"),
    path("dashboard/rules/learn", rules.rule_learn, name="rule_learn"),
    path("dashboard/rules/<uuid:id>/", rules.rule_edit, name="rule_edit"),
    path("dashboard/rules/<uuid:id>/apply", rules.rule_apply, name="rule_apply"),
    path("dashboard/rules/<uuid:id>/delete", rules.rule_delete, name="rule_delete"),
    path("dashboard/categories/", categories.category_list, name="category_list"),
    path("dashboard/categories/<slug:slug>/", categories.category_edit, name="category_edit"),
    path("dashboard/categories/<slug:slug>/delete", categories.category_delete, name="category_delete"),
    path("dashboard/recurring/", recurring.recurring_list, name="recurring_list"),
    path("dashboard/recurring/scan", recurring.recurring_scan, name="recurring_scan"),
    path("dashboard/recurring/<uuid:id>/status", recurring.recurring_status, name="recurring_status"),
    path("dashboard/settings/alerts", alerts.alert_settings, name="alert_settings"),
]
