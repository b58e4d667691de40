"""What must never reach a log line: the one-time keys some paths carry.

A password-reset or e-mail-confirmation link works for whoever holds it, so a log reader could use one
that was not used yet. These paths are logged with the key replaced by `…` (INTERFACE, "Logs").
"""

import re

# allauth's `confirm-email/<key>/` and `password/reset/key/<uidb36>-<key>/` (the `-set-password/` page that
# follows a valid link carries no key).
_KEYED_PATH = re.compile(r"(/confirm-email/|/password/reset/key/[0-9A-Za-z]+-)(?!set-password/)[^/]+")


def redact_path(path: str) -> str:
    """`path` with any one-time key in it replaced by `…`."""
    if "/confirm-email/" not in path and "/reset/key/" not in path:
        return path
    return _KEYED_PATH.sub("\\1…", path)
