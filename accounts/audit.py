"""Writing audit events. Every service that changes something sensitive calls `audit_log`."""

from typing import Any

from django.http import HttpRequest

from accounts.models import AuditEvent, User
from saas.logging import request_id_var
from saas.net import client_ip


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
    """
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
