"""What account deletion and the data export need from the apps above accounts, filled in by those apps.

Layers point down (`saas` <- `accounts` <- `billing` <- `banking`), so accounts never imports billing or
banking. Each of them registers here from its `AppConfig.ready()` instead: its sections of the data export,
its checks that stop a deletion, and its hooks for data no foreign key to the user cascades to. Django runs
`ready()` in `INSTALLED_APPS` order, so the export's sections keep that order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from accounts.models import User

type ExportSection = tuple[str, Iterable[dict[str, Any]]]


class ExportSections(Protocol):
    """One app's part of the data export: `(section name, rows)`, the rows produced lazily."""

    def __call__(self, *, user: User) -> Iterable[ExportSection]: ...


@dataclass(frozen=True)
class DeletionBlock:
    """Why the account cannot be deleted yet, and the form (a POST to `action_url`) that lets the user fix it."""

    explanation: str  # on the data page, in place of the deletion form
    refusal: str  # the error when a deletion is asked for anyway
    action_url: str
    action_label: str


class DeletionBlocker(Protocol):
    """A reason, from one app, not to delete this account now; None when there is none."""

    def __call__(self, *, user: User) -> DeletionBlock | None: ...


class DeletionHook(Protocol):
    """Removes what the user owns that no foreign key cascades to; runs inside the deletion transaction,
    before the user row goes, so an error keeps the whole account."""

    def __call__(self, *, user: User) -> None: ...


_export_sections: list[ExportSections] = []
_deletion_blockers: list[DeletionBlocker] = []
_deletion_hooks: list[DeletionHook] = []


def _register[T](registered: list[T], item: T) -> None:
    if item not in registered:  # idempotent, should a ready() run twice
        registered.append(item)


def register_export_sections(provider: ExportSections) -> None:
    _register(_export_sections, provider)


def register_deletion_blocker(blocker: DeletionBlocker) -> None:
    _register(_deletion_blockers, blocker)


def register_deletion_hook(hook: DeletionHook) -> None:
    _register(_deletion_hooks, hook)


def export_sections(*, user: User) -> Iterator[ExportSection]:
    """Every registered app's export sections, app by app in registration order."""
    for provider in _export_sections:
        yield from provider(user=user)


def deletion_blocks(*, user: User) -> list[DeletionBlock]:
    """What stops this account from being deleted now; empty when it may be deleted."""
    return [block for blocker in _deletion_blockers if (block := blocker(user=user)) is not None]


def deletion_hooks_run(*, user: User) -> None:
    """Run every registered deletion hook for this user (inside the caller's deletion transaction)."""
    for hook in _deletion_hooks:
        hook(user=user)
