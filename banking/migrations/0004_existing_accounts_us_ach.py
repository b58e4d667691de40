"""Accounts linked before there were schemes are US accounts (routing and account number: 0003 made them
`us_ach`); their micro-deposits become the `verification` category and leave their balances.

Daily spending needs no recomputing: it counts debits only, and the deposits are credits.
"""

from django.db import migrations
from django.db.models import OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

# What the simulated provider posted (banking.verification): a credit of 1 to 99 minor units.
DEPOSITS = {"description": "ACCTVERIFY", "type": "credit", "amount__gte": 1, "amount__lte": 99}


def forwards(apps, schema_editor):
    BankAccount = apps.get_model("banking", "BankAccount")
    Transaction = apps.get_model("banking", "Transaction")
    BankAccount.objects.filter(scheme="us_ach", country="").update(country="US")
    deposits = Transaction.objects.filter(**DEPOSITS).exclude(category="verification")
    touched = set(deposits.values_list("bank_account_id", flat=True).distinct())
    deposits.update(category="verification")
    counted = (
        Transaction.objects.filter(bank_account=OuterRef("pk"), status="completed")
        .exclude(category="verification")
        .order_by()
        .values("bank_account")
        .annotate(total=Sum("signed_amount"))
        .values("total")
    )
    BankAccount.objects.filter(pk__in=touched).update(balance=Coalesce(Subquery(counted), Value(0)))


def backwards(apps, schema_editor):
    BankAccount = apps.get_model("banking", "BankAccount")
    Transaction = apps.get_model("banking", "Transaction")
    deposits = Transaction.objects.filter(category="verification")
    touched = set(deposits.values_list("bank_account_id", flat=True).distinct())
    deposits.update(category="other")
    counted = (
        Transaction.objects.filter(bank_account=OuterRef("pk"), status="completed")
        .order_by()
        .values("bank_account")
        .annotate(total=Sum("signed_amount"))
        .values("total")
    )
    BankAccount.objects.filter(pk__in=touched).update(balance=Coalesce(Subquery(counted), Value(0)))


class Migration(migrations.Migration):
    dependencies = [("banking", "0003_account_schemes")]

    operations = [migrations.RunPython(forwards, backwards)]
