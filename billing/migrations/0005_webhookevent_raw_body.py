# A delivery the database refuses as JSON (a `\u0000`, a lone surrogate) is kept as text, to replay.
# Both operations only change the catalogue on PostgreSQL 11+: no table rewrite.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0004_webhookevent_user_backfill'),
    ]

    operations = [
        migrations.AddField(
            model_name='webhookevent',
            name='raw_body',
            field=models.TextField(blank=True, help_text='The body as Polar sent it, kept only when the database refused it as JSON.'),
        ),
        migrations.AlterField(
            model_name='webhookevent',
            name='payload',
            field=models.JSONField(blank=True, null=True),
        ),
    ]
