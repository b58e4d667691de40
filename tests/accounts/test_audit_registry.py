"""The audit action registry: every action has a label and a kind, and nothing unregistered is written."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from accounts.audit import (
    ACTIONS,
    ACTIVITY,
    SECURITY,
    AuditAction,
    audit_actions_of_kind,
    audit_log,
    register_audit_actions,
)
from accounts.models import AuditEvent

APPS = ("saas", "accounts", "billing", "banking")


def _audit_log_calls() -> list[tuple[str, int, ast.expr | None]]:
    """(file:line, the `action=` expression) for every call to `audit_log` in the apps' source."""
    calls = []
    for app in APPS:
        for path in sorted((Path(settings.BASE_DIR) / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name != "audit_log":
                    continue
                action = next((k.value for k in node.keywords if k.arg == "action"), None)
                calls.append((f"{path.relative_to(settings.BASE_DIR)}:{node.lineno}", action))
    return calls


def _literals(expression: ast.expr) -> list[str]:
    """The action codes an expression can produce, when it is made of string literals (`a if x else b`)."""
    if isinstance(expression, ast.Constant) and isinstance(expression.value, str):
        return [expression.value]
    if isinstance(expression, ast.IfExp):
        body, orelse = _literals(expression.body), _literals(expression.orelse)
        return body + orelse if body and orelse else []
    return []


def test_every_action_written_in_the_source_is_registered():
    calls = _audit_log_calls()
    assert len(calls) > 30  # the walk really finds the calls

    problems = []
    for where, action in calls:
        codes = _literals(action) if action is not None else []
        if not codes:
            problems.append(f"{where}: pass action= as a string literal so this test can check it")
        problems += [f"{where}: {code!r} is not registered" for code in codes if code not in ACTIONS]
    assert not problems, "\n".join(problems)


def test_every_registered_action_has_a_label_and_a_kind():
    assert len(ACTIONS) > 30
    for code, action in ACTIONS.items():
        assert action.label.strip() and action.label != code, code
        assert action.kind in (SECURITY, ACTIVITY), code


def test_audit_log_refuses_an_unregistered_action(owner):
    with pytest.raises(ValueError, match="Unknown audit action 'demo.unlabelled'"):
        audit_log(action="demo.unlabelled", user=owner)

    assert not AuditEvent.objects.filter(action="demo.unlabelled").exists()


def test_an_action_without_a_label_cannot_be_declared():
    with pytest.raises(ImproperlyConfigured, match="label"):
        AuditAction("  ", SECURITY)


def test_an_action_of_an_unknown_kind_cannot_be_declared():
    with pytest.raises(ImproperlyConfigured, match="kind"):
        AuditAction("Did a thing", "misc")


def test_an_action_registered_twice_with_another_meaning_fails():
    with pytest.raises(ImproperlyConfigured, match="auth.signed_in"):
        register_audit_actions({"auth.signed_in": AuditAction("Signed in", ACTIVITY)})

    assert ACTIONS["auth.signed_in"].kind == SECURITY


@pytest.mark.parametrize(
    ("code", "label", "kind"),
    [
        ("api_token.created", "Created an API token", SECURITY),
        ("api_token.revoked", "Revoked an API token", SECURITY),
        ("bank_account.updated", "Changed a bank account", ACTIVITY),
        ("bank_account.closed", "Closed a bank account", ACTIVITY),
        ("bank_account.reopened", "Reopened a bank account", ACTIVITY),
    ],
)
def test_actions_other_work_is_adding_are_registered(code, label, kind):
    assert (ACTIONS[code].label, ACTIONS[code].kind) == (label, kind)


@pytest.mark.parametrize(
    "code",
    [
        "auth.signed_in",
        "auth.signed_out",
        "auth.sign_in_failed",
        "password.changed",
        "email.changed",
        "mfa.added",
        "session.ended",
        "api_token.created",
        "data.exported",
        "account.deleted",
    ],
)
def test_sign_in_password_email_two_factor_session_token_export_and_deletion_are_security(code):
    assert code in audit_actions_of_kind(SECURITY)


@pytest.mark.parametrize(
    "code",
    ["transaction.created", "budget.updated", "bank_account.created", "profile.updated", "demo.seeded"],
)
def test_data_edits_are_activity(code):
    assert code in audit_actions_of_kind(ACTIVITY)
