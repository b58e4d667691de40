"""Helpers for account tests: TOTP codes computed independently (RFC 6238) and links from e-mails."""

import base64
import hashlib
import hmac
import re
import struct
import time
from urllib.parse import urlsplit

from django.core import mail


def totp_code(secret: str, *, step_offset: int = 0, period: int = 30, digits: int = 6) -> str:
    """The authenticator app's code for `secret` now (or `step_offset` periods away)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int(time.time()) // period + step_offset
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**digits:0{digits}d}"


def links_in(message) -> list[str]:
    return re.findall(r"https?://\S+", message.body)


def last_mail_to(address: str):
    for message in reversed(mail.outbox):
        if address in message.to:
            return message
    raise AssertionError(f"No e-mail to {address}; sent: {[(m.to, m.subject) for m in mail.outbox]}")


def confirmation_path(address: str) -> str:
    """The path of the confirmation link in the last e-mail sent to `address`."""
    links = [link for link in links_in(last_mail_to(address)) if "/accounts/confirm-email/" in link]
    assert links, "The e-mail has no confirmation link"
    return urlsplit(links[0]).path
