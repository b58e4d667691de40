"""What a categorisation rule means: its conditions and actions checked, compiled, and run on transactions.

Pure Python over plain values, no queries: the models validate with `check_conditions` and
`check_actions`, the services compile a user's rules once (`compile_rule`) and run them on each transaction
(`run_rules`). Regexes go through
RE2 (google-re2), whose matching time is linear in the text: no pattern can hang a worker.
"""

import functools
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import re2

MAX_REGEX_LENGTH = 200
MAX_TEXT_LENGTH = 200
MAX_CONDITIONS = 20
MAX_AMOUNT = 10**13

TEXT_FIELDS = ("description", "merchant_name")
FIELD_OPS = {
    "description": ("contains", "equals", "starts_with", "regex"),
    "merchant_name": ("contains", "equals", "starts_with", "regex"),
    "amount": ("equals", "gt", "lt", "between"),
    "bank_account_id": ("equals",),
    "type": ("equals",),
}
OPS = ("contains", "equals", "starts_with", "regex", "gt", "lt", "between")
ACTION_FIELDS = ("category", "merchant_name", "description")
TYPES = ("debit", "credit", "transfer")
MATCHES = ("all", "any")
ACTION_MAX_LENGTH = {"category": 20, "merchant_name": 100, "description": 255}
# `{1}`..`{9}` in a text action: what the rule's regex captured.
_GROUP_REF = re.compile(r"\{([1-9])\}")


class RuleError(ValueError):
    """A condition or action that cannot work, with the message to show."""


def _regex_options() -> "re2.Options":
    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = False
    options.max_mem = 8 << 20  # a bigger pattern is refused, not compiled
    return options


@functools.lru_cache(maxsize=2048)
def compile_regex(pattern: str) -> Any:
    """The RE2 program of `pattern` (case-insensitive), or RuleError saying why it cannot be one."""
    if len(pattern) > MAX_REGEX_LENGTH:
        raise RuleError(f"A regex can be at most {MAX_REGEX_LENGTH} characters long (this one has {len(pattern)}).")
    try:
        return re2.compile(pattern, _regex_options())
    except re2.error as error:
        reason = error.args[0] if error.args else ""
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise RuleError(f"This regex does not compile: {reason or 'invalid pattern'}.") from None


def _whole_number(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_AMOUNT:
        raise RuleError(f"{where}: send the amount as a whole number of minor units (cents), e.g. 1250.")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RuleError(f"{where}: send the text to look for.")
    if len(value) > MAX_TEXT_LENGTH:
        raise RuleError(f"{where}: the text can be at most {MAX_TEXT_LENGTH} characters long.")
    if "\x00" in value:
        raise RuleError(f"{where}: remove the null character (\\u0000) from the text.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise RuleError(f"{where}: send valid Unicode text.") from None
    return value


def check_condition(condition: Any, index: int, *, account_ids: Iterable[str] | None = None) -> dict[str, Any]:
    """One condition as stored (`{"field", "op", "value"}`), or RuleError naming what is wrong with it."""
    where = f"Condition {index + 1}"
    if not isinstance(condition, Mapping):
        raise RuleError(f'{where}: send an object such as {{"field": "description", "op": "contains", "value": "…"}}.')
    unknown = sorted(set(condition) - {"field", "op", "value"})
    if unknown:
        raise RuleError(f"{where}: unknown key {', '.join(map(str, unknown))}; use field, op and value.")
    name, op, value = condition.get("field"), condition.get("op"), condition.get("value")
    if not isinstance(name, str) or name not in FIELD_OPS:
        raise RuleError(f"{where}: unknown field {name!r}; use one of {', '.join(FIELD_OPS)}.")
    if not isinstance(op, str) or op not in OPS:
        raise RuleError(f"{where}: unknown operator {op!r}; use one of {', '.join(OPS)}.")
    if op not in FIELD_OPS[name]:
        raise RuleError(f"{where}: {name} cannot use {op}; use one of {', '.join(FIELD_OPS[name])}.")
    if name in TEXT_FIELDS:
        value = _text(value, where)
        if op == "regex":
            try:
                compile_regex(value)
            except RuleError as error:
                raise RuleError(f"{where}: {error}") from None
    elif name == "amount":
        if op == "between":
            if not isinstance(value, list | tuple) or len(value) != 2:
                raise RuleError(f"{where}: between takes [min, max] in minor units, e.g. [1000, 5000].")
            low, high = (_whole_number(v, where) for v in value)
            if low > high:
                raise RuleError(f"{where}: between needs min ≤ max (got {low} > {high}).")
            value = [low, high]
        else:
            value = _whole_number(value, where)
    elif name == "bank_account_id":
        try:
            value = str(uuid.UUID(str(value)))
        except ValueError:
            raise RuleError(f"{where}: send the id of one of your bank accounts.") from None
        if account_ids is not None and value not in account_ids:
            raise RuleError(f"{where}: that is not one of your bank accounts.")
    elif value not in TYPES:
        raise RuleError(f"{where}: type is one of {', '.join(TYPES)}.")
    return {"field": name, "op": op, "value": value}


def check_conditions(conditions: Any, *, account_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
    if not isinstance(conditions, list | tuple) or not conditions:
        raise RuleError("Add at least one condition: what a transaction must look like for the rule to apply.")
    if len(conditions) > MAX_CONDITIONS:
        raise RuleError(f"A rule can have at most {MAX_CONDITIONS} conditions.")
    return [check_condition(c, i, account_ids=account_ids) for i, c in enumerate(conditions)]


def check_actions(actions: Any, *, categories: Iterable[str] | None = None) -> dict[str, str]:
    """The actions as stored, or RuleError. `categories` are the slugs the owner may file under."""
    if not isinstance(actions, Mapping) or not actions:
        raise RuleError("Add at least one action: the category, merchant name or description to set.")
    unknown = sorted(str(k) for k in set(actions) - set(ACTION_FIELDS))
    if unknown:
        raise RuleError(f"Unknown action {', '.join(unknown)}; use category, merchant_name or description.")
    checked = {}
    for name in ACTION_FIELDS:
        if name not in actions:
            continue
        value = actions[name]
        if not isinstance(value, str) or not value.strip():
            raise RuleError(f"{name}: send the text to set.")
        value = value.strip()
        if len(value) > ACTION_MAX_LENGTH[name] or "\x00" in value:
            raise RuleError(f"{name}: at most {ACTION_MAX_LENGTH[name]} characters, without control characters.")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise RuleError(f"{name}: send valid Unicode text.") from None
        if name == "category" and categories is not None and value not in categories:
            raise RuleError(f"category: choose one of your categories: {', '.join(sorted(categories))}.")
        checked[name] = value
    return checked


# --- running --------------------------------------------------------------------------------------


def _condition_test(field_name: str, op: str, value: Any) -> Callable[[Mapping[str, Any]], Any]:
    """One condition as a function of the transaction's values: falsy when it does not hold, else True or
    what a regex captured. Built once per rule, so running it is a lookup and a comparison."""
    if field_name in TEXT_FIELDS:
        if op == "regex":
            search = compile_regex(value).search

            def regex(values: Mapping[str, Any]) -> Any:
                found = search(values[field_name])
                return (found.groups() or True) if found else False

            return regex
        key, needle = f"{field_name}:folded", value.casefold()
        if op == "contains":
            return lambda values: needle in values[key]
        if op == "starts_with":
            return lambda values: values[key].startswith(needle)
        return lambda values: values[key] == needle
    if op == "gt":
        return lambda values: values[field_name] > value
    if op == "lt":
        return lambda values: values[field_name] < value
    if op == "between":
        low, high = value
        return lambda values: low <= values[field_name] <= high
    return lambda values: values[field_name] == value


@dataclass(frozen=True)
class CompiledRule:
    id: Any
    match_all: bool
    tests: tuple[Callable[[Mapping[str, Any]], Any], ...]
    actions: tuple[tuple[str, str], ...]

    def test(self, values: Mapping[str, Any]) -> tuple[bool, Sequence[str]]:
        """Whether the rule matches, and what its first matching regex captured."""
        groups: Sequence[str] = ()
        if self.match_all:
            for test in self.tests:
                found = test(values)
                if not found:
                    return False, ()
                if found is not True and not groups:
                    groups = found
            return True, groups
        for test in self.tests:
            found = test(values)
            if found:
                return True, (found if found is not True else ())
        return False, ()


def compile_rule(rule_id: Any, *, match: str, conditions: list[dict], actions: Mapping[str, str]) -> CompiledRule:
    """A stored rule made ready to run (text folded, regexes compiled once)."""
    tests = tuple(_condition_test(c["field"], c["op"], c["value"]) for c in conditions)
    ordered = tuple((name, actions[name]) for name in ACTION_FIELDS if name in actions)
    return CompiledRule(rule_id, match == "all", tests, ordered)


def _fill(template: str, groups: Sequence[str]) -> str:
    if "{" not in template:
        return template
    return _GROUP_REF.sub(lambda m: (groups[int(m.group(1)) - 1] or "") if int(m.group(1)) <= len(groups) else "",
                          template).strip()  # fmt: skip


@dataclass
class Outcome:
    """What the rules did to one transaction: the fields they set, and which rules matched."""

    changes: dict[str, str] = field(default_factory=dict)
    matched: list[Any] = field(default_factory=list)


def transaction_values(txn: Any) -> dict[str, Any]:
    values = {
        "description": txn.description or "",
        "merchant_name": txn.merchant_name or "",
        "amount": txn.amount,
        "bank_account_id": str(txn.bank_account_id),
        "type": txn.type,
    }
    for name in TEXT_FIELDS:
        values[f"{name}:folded"] = values[name].casefold()
    return values


def run_rules(rules: Sequence[CompiledRule], txn: Any, *, locked: Iterable[str] = ()) -> Outcome:
    """Run `rules` (lowest priority first) on one transaction: the first rule that sets a field wins, later
    rules see the values earlier ones set, and the `locked` fields (set by hand) are never set."""
    outcome = Outcome()
    values = transaction_values(txn)
    done = set(locked)
    for rule in rules:
        hit, groups = rule.test(values)
        if not hit:
            continue
        outcome.matched.append(rule.id)
        for name, template in rule.actions:
            if name in done:
                continue
            value = _fill(template, groups)[: ACTION_MAX_LENGTH[name]]
            if not value:
                continue
            done.add(name)
            outcome.changes[name] = value
            if name in TEXT_FIELDS:
                values[name], values[f"{name}:folded"] = value, value.casefold()
    return outcome
