# Whom a stored delivery names, by key: account deletion then deletes it by this index, not by scanning payloads.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class AddIndexWithoutBlockingWrites(migrations.AddIndex):
    """`CREATE INDEX CONCURRENTLY` on PostgreSQL, so deliveries keep being stored while it builds."""

    def _concurrently(self, schema_editor) -> dict:
        return {"concurrently": True} if schema_editor.connection.vendor == "postgresql" else {}

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_index(model, self.index, **self._concurrently(schema_editor))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.remove_index(model, self.index, **self._concurrently(schema_editor))


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("billing", "0002_lean_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="webhookevent",
            name="user",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        AddIndexWithoutBlockingWrites(
            model_name="webhookevent",
            index=models.Index(fields=["user"], name="webhookevent_user_idx"),
        ),
    ]
