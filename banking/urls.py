from django.urls import path

from banking.views import bank_accounts, budgets, dashboard, imports, transactions

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
    path("dashboard/imports/", imports.import_list, name="import_list"),
    path("dashboard/imports/sample", imports.import_sample, name="import_sample"),
    path("dashboard/imports/<uuid:id>/", imports.import_detail, name="import_detail"),
    path("dashboard/imports/<uuid:id>/mapping", imports.import_mapping, name="import_mapping"),
    path("dashboard/imports/<uuid:id>/rows/<int:row>/flip", imports.import_row_flip, name="import_row_flip"),
    path("dashboard/imports/<uuid:id>/commit", imports.import_commit, name="import_commit"),
    path("dashboard/imports/<uuid:id>/undo", imports.import_undo, name="import_undo"),
    path("dashboard/budgets/", budgets.budget_list, name="budget_list"),
    path("dashboard/budgets/new", budgets.budget_new, name="budget_new"),
    path("dashboard/budgets/<uuid:id>/edit", budgets.budget_edit, name="budget_edit"),
    path("dashboard/budgets/<uuid:id>/delete", budgets.budget_delete, name="budget_delete"),
]
