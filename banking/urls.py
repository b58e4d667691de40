from django.urls import path

from banking import views

app_name = "banking"

urlpatterns = [
    # Pages
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/accounts/", views.account_list, name="account_list"),
    path("dashboard/accounts/new", views.account_new, name="account_new"),
    path("dashboard/accounts/<uuid:id>/", views.account_detail, name="account_detail"),
    path("dashboard/accounts/<uuid:id>/verify", views.account_verify, name="account_verify"),
    path("dashboard/accounts/<uuid:id>/deposits", views.account_resend_deposits, name="account_resend_deposits"),
    path("dashboard/accounts/<uuid:id>/reveal", views.account_reveal, name="account_reveal"),
    path("dashboard/accounts/<uuid:id>/delete", views.account_delete, name="account_delete"),
    path("dashboard/transactions/", views.transaction_list, name="transaction_list"),
    path("dashboard/transactions/new", views.transaction_new, name="transaction_new"),
    path("dashboard/transactions/transfer", views.transfer_new, name="transfer_new"),
    path("dashboard/transactions/<uuid:id>/edit", views.transaction_edit, name="transaction_edit"),
    path("dashboard/transactions/<uuid:id>/delete", views.transaction_delete, name="transaction_delete"),
    path("dashboard/budgets/", views.budget_list, name="budget_list"),
    path("dashboard/budgets/new", views.budget_new, name="budget_new"),
    path("dashboard/budgets/<uuid:id>/edit", views.budget_edit, name="budget_edit"),
    path("dashboard/budgets/<uuid:id>/delete", views.budget_delete, name="budget_delete"),
]
