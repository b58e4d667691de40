"""Every existing user gets the default categories (the slugs their transactions and budgets already use)
and the merchant-cleaning rules that new users get. The values are copied here, as they were when this ran."""

from django.db import migrations

# slug, name, kind, colour
CATEGORIES = [
    ("groceries", "Groceries", "expense", "#2f7d6d"),
    ("dining", "Dining", "expense", "#d9822b"),
    ("transport", "Transport", "expense", "#3f6fb5"),
    ("housing", "Housing", "expense", "#b5476b"),
    ("utilities", "Utilities", "expense", "#7a5cc2"),
    ("subscriptions", "Subscriptions", "expense", "#5c9e3a"),
    ("shopping", "Shopping", "expense", "#c2a437"),
    ("entertainment", "Entertainment", "expense", "#5f6b7a"),
    ("health", "Health", "expense", "#2f7d6d"),
    ("travel", "Travel", "expense", "#d9822b"),
    ("education", "Education", "expense", "#3f6fb5"),
    ("insurance", "Insurance", "expense", "#b5476b"),
    ("gifts", "Gifts & donations", "expense", "#7a5cc2"),
    ("fees", "Fees", "expense", "#5c9e3a"),
    ("income", "Income", "income", "#c2a437"),
    ("transfer", "Transfer", "transfer", "#5f6b7a"),
    ("other", "Other", "expense", "#2f7d6d"),
    ("verification", "Verification", "transfer", "#d9822b"),
]
# name, priority, regex on the description; the action sets the merchant name to what it captured
RULES = [
    (
        "Merchant from card-processor names (SQ *, TST*, PayPal *)",
        1,
        "^(?:.*?\\s)?(?:sq|tst|sp|pp|paypal|iz|zettle|sumup)\\s?\\*\\s*(.+?)(?:\\s+(?:store\\s+)?#?\\s?\\d{2,})?$",
    ),
    (
        "Merchant from point-of-sale descriptions (POS 4411 …)",
        2,
        "^(?:pos|debit card purchase|card purchase|checkcard|visa purchase)(?:\\s+#?\\d+)?\\s+(.+?)(?:\\s+(?:store\\s+)?#?\\s?\\d{2,})?$",
    ),
    ("Merchant without a trailing store number", 3, "^(\\D.*?)\\s+(?:store\\s+)?(?:#\\s?\\d+|\\d{4,})$"),
]
BATCH = 500


def forwards(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Category = apps.get_model("banking", "Category")
    Rule = apps.get_model("banking", "Rule")
    user_ids = list(User.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(user_ids), BATCH):
        batch = user_ids[start : start + BATCH]
        Category.objects.bulk_create(
            [
                Category(user_id=user_id, slug=slug, name=name, kind=kind, color=color, is_default=True)
                for user_id in batch
                for slug, name, kind, color in CATEGORIES
            ],
            ignore_conflicts=True,
        )
        with_rules = set(Rule.objects.filter(user_id__in=batch, is_default=True).values_list("user_id", flat=True))
        Rule.objects.bulk_create(
            [
                Rule(
                    user_id=user_id,
                    name=name,
                    priority=priority,
                    match="all",
                    conditions=[{"field": "description", "op": "regex", "value": pattern}],
                    actions={"merchant_name": "{1}"},
                    is_default=True,
                )
                for user_id in batch
                if user_id not in with_rules
                for name, priority, pattern in RULES
            ]
        )


class Migration(migrations.Migration):
    dependencies = [("banking", "0006_categories_rules_recurring_alerts"), ("accounts", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
