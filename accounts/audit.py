"""The audit log: `audit_log` writes one event; the registry says what every action means.

Each app declares the actions it writes, with a label and a kind, in `<app>/audit_actions.py` and
registers them from its `AppConfig.ready()`: that is how billing and banking reach down to accounts
without accounts importing them. `audit_log` refuses an action nobody registered, so a new action
without a label fails the first test that writes it.

Kinds: `security` events (sign-in, password, e-mail, two-factor, sessions, tokens, export, deletion)
show under Settings → Security; `activity` events (everyday edits) show under Settings → Activity.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final, Literal

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from accounts.models import AuditEvent, User
from saas.logging import request_id_var
from saas.net import client_ip

AuditKind = Literal["security", "activity"]
SECURITY: Final = "security"
ACTIVITY: Final = "activity"

# detail(event.details, names) -> a short phrase for the person reading their own log ("Everyday ····1234").
# `names` maps the ids that the details mention to readable names (see `register_audit_actions`).
AuditDetail = Callable[[dict[str, Any], Mapping[str, str]], str]
# names(user_id, events) -> {id: readable name} for the objects these events mention, owned by that user.
AuditNames = Callable[[Any, list[AuditEvent]], Mapping[str, str]]


@dataclass(frozen=True)
class AuditAction:
    label: str
    kind: AuditKind
    detail: AuditDetail | None = None

    def __post_init__(self) -> None:
        if not self.label.strip():
            raise ImproperlyConfigured("An audit action needs a label people can read.")
        if self.kind not in (SECURITY, ACTIVITY):
            raise ImproperlyConfigured(f"An audit action's kind is {SECURITY!r} or {ACTIVITY!r}, not {self.kind!r}.")

    def describe(self, details: dict[str, Any], names: Mapping[str, str]) -> str:
        return self.detail(details or {}, names) if self.detail else ""


_ACTIONS: dict[str, AuditAction] = {}
_NAME_LOADERS: list[AuditNames] = []
ACTIONS: Mapping[str, AuditAction] = MappingProxyType(_ACTIONS)


def register_audit_actions(actions: Mapping[str, AuditAction], *, names: AuditNames | None = None) -> None:
    """Declare the actions an app writes; call it from the app's `AppConfig.ready()`.

    `names`, when given, turns the ids in those actions' details into readable names, reading all the
    events of one page at once (a query per kind of object, never one per event).
    """
    for code, action in actions.items():
        if _ACTIONS.get(code, action) != action:
            raise ImproperlyConfigured(f"The audit action {code!r} is registered twice with different meanings.")
        _ACTIONS[code] = action
    if names is not None and names not in _NAME_LOADERS:
        _NAME_LOADERS.append(names)


def audit_actions_of_kind(kind: AuditKind) -> list[str]:
    """The codes of one kind, for `action__in=` filters."""
    return sorted(code for code, action in _ACTIONS.items() if action.kind == kind)


def audit_label(code: str) -> str:
    """The label of an action; the code itself for a row written by an action since removed."""
    action = _ACTIONS.get(code)
    return action.label if action else code


def audit_names(user_id: Any, events: Iterable[AuditEvent]) -> dict[str, str]:
    """Readable names for the objects these events mention, from every app that registered a loader."""
    events = list(events)
    names: dict[str, str] = {}
    if events:
        for loader in _NAME_LOADERS:
            names.update(loader(user_id, events))
    return names


def audit_log(
    *,
    action: str,
    user: User | None = None,
    user_id=None,
    request: HttpRequest | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event; `request` supplies IP, user agent and request id when there is one.

    Pass `user`, or just `user_id` where the caller has the id and loading the user would be a query.
    `action` must be registered (see `register_audit_actions`): ValueError otherwise.
    """
    if action not in _ACTIONS:
        raise ValueError(
            f"Unknown audit action {action!r}: declare it with a label and a kind in the writing app's "
            "audit_actions.py, registered from its AppConfig.ready()."
        )
    if user is not None and user.pk:
        user_id = user.pk
    event = AuditEvent(
        user_id=user_id,
        action=action,
        details=details or {},
        request_id=(getattr(request, "id", None) or request_id_var.get() or "")[:128],
    )
    if request is not None:
        event.ip_address = client_ip(request)
        event.user_agent = request.headers.get("User-Agent", "")[:500]
    event.save(force_insert=True)
    return event
