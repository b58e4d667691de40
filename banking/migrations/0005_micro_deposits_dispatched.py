from django.db import migrations, models
from django.db.models import F


def sent_before_this_change(apps, schema_editor):
    # Deposits chosen before this migration were sent by the provider in the same request.
    MicroDepositVerification = apps.get_model("banking", "MicroDepositVerification")
    MicroDepositVerification.objects.filter(dispatched_at__isnull=True).update(dispatched_at=F("sent_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("banking", "0004_existing_accounts_us_ach"),
    ]

    operations = [
        migrations.AddField(
            model_name="microdepositverification",
            name="dispatched_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(sent_before_this_change, migrations.RunPython.noop),
    ]
