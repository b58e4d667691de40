"""Rules: what they accept, the order they run in, hand edits they leave alone, RE2 regexes, running on
every new transaction (typed, API, import's batch function), and over the existing history."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from banking import rule_engine, services
from banking.models import Rule, Transaction
from tests.banking.conftest import add_transaction

TODAY = datetime.date.today()
COFFEE = [{"field": "description", "op": "contains", "value": "coffee"}]


def make_rule(user, *, name="Rule", conditions=COFFEE, actions=None, **extra):
    actions = {"category": "dining"} if actions is None else actions
    return services.rule_create(user=user, name=name, conditions=conditions, actions=actions, **extra)


@pytest.mark.parametrize(
    ("conditions", "actions", "field"),
    [
        ([], {"category": "dining"}, "conditions"),
        (COFFEE, {}, "actions"),
        ([{"field": "colour", "op": "equals", "value": "red"}], {"category": "dining"}, "conditions"),
        ([{"field": "description", "op": "sounds_like", "value": "x"}], {"category": "dining"}, "conditions"),
        ([{"field": "description", "op": "regex", "value": "(unclosed"}], {"category": "dining"}, "conditions"),
        ([{"field": "description", "op": "regex", "value": "a" * 201}], {"category": "dining"}, "conditions"),
        ([{"field": "amount", "op": "between", "value": [500, 100]}], {"category": "dining"}, "conditions"),
        ([{"field": "amount", "op": "contains", "value": "5"}], {"category": "dining"}, "conditions"),
        ([{"field": "amount", "op": "gt", "value": 12.5}], {"category": "dining"}, "conditions"),
        ([{"field": "type", "op": "equals", "value": "refund"}], {"category": "dining"}, "conditions"),
        (COFFEE, {"category": "not-mine"}, "actions"),
        (COFFEE, {"category": "verification"}, "actions"),
        (COFFEE, {"colour": "red"}, "actions"),
    ],
)
def test_bad_rules_are_refused_naming_the_field_and_nothing_is_stored(owner, conditions, actions, field):
    before = Rule.objects.filter(user=owner).count()

    with pytest.raises(ValidationError) as caught:
        make_rule(owner, conditions=conditions, actions=actions)

    assert field in caught.value.message_dict
    assert Rule.objects.filter(user=owner).count() == before


def test_another_users_account_in_a_condition_is_refused(owner, outsider_account):
    condition = [{"field": "bank_account_id", "op": "equals", "value": str(outsider_account.pk)}]

    with pytest.raises(ValidationError) as caught:
        make_rule(owner, conditions=condition)

    assert "not one of your bank accounts" in caught.value.message_dict["conditions"][0]


def test_a_regex_that_would_backtrack_forever_returns_at_once():
    # No timer: the guarantee is the engine's. RE2 runs in time linear in the text and refuses what needs
    # backtracking (a backreference), so `(a+)+$` cannot hang a worker on 10,000 a's and a "!".
    regex = rule_engine.compile_regex("(a+)+$")

    assert type(regex).__module__ == "re2"
    assert regex.search("a" * 10_000 + "!") is None
    with pytest.raises(rule_engine.RuleError, match="does not compile"):
        rule_engine.compile_regex(r"(a)\1")


def test_a_catastrophic_regex_rule_runs_on_a_transaction_at_once(owner, account):
    make_rule(owner, conditions=[{"field": "description", "op": "regex", "value": "^(a+)+$"}])

    txn = add_transaction(owner, account, description="a" * 200 + "!")

    assert txn.category == "other"


def test_a_typed_transaction_is_categorised(owner, account):
    make_rule(owner)

    txn = add_transaction(owner, account, description="Corner Coffee")

    assert txn.category == "dining"
    assert Transaction.objects.get(pk=txn.pk).category == "dining"


def test_a_category_chosen_when_typing_is_kept(owner, account):
    make_rule(owner)

    txn = add_transaction(owner, account, description="Coffee beans", category="groceries")

    assert txn.category == "groceries"


def test_lowest_priority_runs_first_and_the_first_rule_to_set_a_field_wins(owner, account):
    make_rule(owner, name="Late", priority=50, actions={"category": "shopping", "description": "Late wins?"})
    make_rule(owner, name="Early", priority=10, actions={"category": "dining"})

    txn = add_transaction(owner, account, description="Coffee")

    assert txn.category == "dining"
    assert txn.description == "Late wins?"  # nobody earlier set the description


def test_any_matches_one_condition_and_all_needs_every_one(owner, account):
    conditions = [COFFEE[0], {"field": "amount", "op": "gt", "value": 100000}]
    make_rule(owner, name="All", conditions=conditions, actions={"category": "dining"}, match="all", priority=1)
    make_rule(owner, name="Any", conditions=conditions, actions={"category": "shopping"}, match="any", priority=2)

    txn = add_transaction(owner, account, description="Coffee", amount=500)

    assert txn.category == "shopping"


def test_amount_account_and_type_conditions(owner, account, second_account):
    conditions = [
        {"field": "amount", "op": "between", "value": [1000, 2000]},
        {"field": "bank_account_id", "op": "equals", "value": str(account.pk)},
        {"field": "type", "op": "equals", "value": "debit"},
    ]
    make_rule(owner, conditions=conditions, actions={"category": "fees"})

    hit = add_transaction(owner, account, amount=1500, description="Thing")
    other_account = add_transaction(owner, second_account, amount=1500, description="Thing")
    too_big = add_transaction(owner, account, amount=2500, description="Thing")

    assert (hit.category, other_account.category, too_big.category) == ("fees", "other", "other")


def test_the_default_rules_clean_card_processor_noise(owner, account):
    txn = add_transaction(owner, account, description="POS 4411 SQ *BLUE BOTTLE COF")
    store = add_transaction(owner, account, description="STARBUCKS STORE #1234")

    assert txn.merchant_name == "BLUE BOTTLE COF"
    assert store.merchant_name == "STARBUCKS"


def test_a_learned_rule_sees_the_cleaned_merchant(owner, account):
    first = add_transaction(owner, account, description="POS 4411 SQ *BLUE BOTTLE COF")
    services.rule_create(user=owner, **services.learned_rule_fields(first, _category(owner, "dining")))

    later = add_transaction(owner, account, description="POS 9902 SQ *BLUE BOTTLE COF")

    assert later.category == "dining"


def test_a_hand_edit_survives_reapplying(owner, account):
    txn = add_transaction(owner, account, description="Coffee")
    services.transaction_update(user=owner, txn=txn, changes={"category": "gifts"})
    rule = make_rule(owner)

    result = services.rule_apply_requested(user=owner, rule=rule, dry_run=False)[0]

    assert Transaction.objects.get(pk=txn.pk).category == "gifts"
    assert (result.matched, result.changed) == (1, 0)


def test_apply_to_existing_changes_matching_transactions_and_the_spending_sums(owner, account):
    from banking.models import DailySpending

    txns = [add_transaction(owner, account, description=f"Coffee {n}", amount=300) for n in range(3)]
    add_transaction(owner, account, description="Books", amount=900)
    rule = make_rule(owner)

    dry = services.rule_apply_requested(user=owner, rule=rule, dry_run=True)[0]
    assert Transaction.objects.filter(user=owner, category="dining").count() == 0
    real = services.rule_apply_requested(user=owner, rule=rule, dry_run=False)[0]

    assert (dry.matched, dry.changed, real.matched, real.changed) == (3, 3, 3, 3)
    assert {t.category for t in Transaction.objects.filter(pk__in=[t.pk for t in txns])} == {"dining"}
    assert DailySpending.objects.get(user=owner, category="dining").amount == 900


def test_apply_streams_in_batches(owner, account):
    from banking.services.rules import rules_run_over_history

    for n in range(7):
        add_transaction(owner, account, description=f"Coffee {n}")
    rule = make_rule(owner)

    result = rules_run_over_history(user=owner, rules=[rule.compiled()], dry_run=False, batch_size=2)

    assert (result.matched, result.changed) == (7, 7)


def test_a_big_history_is_applied_by_a_background_task(owner, account, monkeypatch):
    from banking.services import rules as rules_service

    monkeypatch.setattr(rules_service, "APPLY_INLINE_LIMIT", 2)
    for n in range(4):
        add_transaction(owner, account, description=f"Coffee {n}")
    rule = make_rule(owner)

    result, queued = services.rule_apply_requested(user=owner, rule=rule, dry_run=False)

    assert queued and result.changed == 4
    # The suite runs tasks at once: the task has already applied it, once.
    assert Transaction.objects.filter(user=owner, category="dining").count() == 4
    rule.refresh_from_db()
    assert rule.apply_queued_at is None and rule.last_changed == 4


def test_the_batch_function_categorises_unsaved_transactions_with_one_read(owner, account, django_assert_num_queries):
    make_rule(owner)
    rows = [Transaction(user=owner, bank_account=account, amount=100, signed_amount=-100, currency="USD",
                        type="debit", description=d, transaction_date=TODAY)
            for d in ("Coffee shop", "Rent", "POS 1 SQ *COFFEE CART")]  # fmt: skip

    # Inside the import's transaction: the alerts check it schedules runs after the commit.
    with transaction.atomic(), django_assert_num_queries(1):
        changed = services.rules_apply_to_new(user=owner, transactions=rows)

    assert changed == 2
    assert [r.category for r in rows] == ["dining", "other", "dining"]
    assert rows[2].merchant_name == "COFFEE CART"


def test_transactions_of_an_import_batch_run_through_rules_when_saved(owner, account):
    """What the import's commit does with each batch: rules in memory, then a bulk write."""
    make_rule(owner)
    rows = [Transaction(user=owner, bank_account=account, amount=100, signed_amount=-100, currency="USD",
                        type="debit", description="Imported coffee", transaction_date=TODAY)]  # fmt: skip

    services.rules_apply_to_new(user=owner, transactions=rows)
    Transaction.objects.bulk_create(rows)

    assert Transaction.objects.get(pk=rows[0].pk).category == "dining"


def test_an_inactive_rule_does_nothing(owner, account):
    make_rule(owner, is_active=False)

    assert add_transaction(owner, account, description="Coffee").category == "other"


def test_a_regex_capture_fills_an_action(owner, account):
    make_rule(owner, conditions=[{"field": "description", "op": "regex", "value": r"^invoice (\d+)"}],
              actions={"description": "Invoice no. {1}"})  # fmt: skip

    assert add_transaction(owner, account, description="INVOICE 42 ACME").description == "Invoice no. 42"


def _category(user, slug):
    from banking.selectors import get_category_for_user

    return get_category_for_user(user=user, slug=slug)
