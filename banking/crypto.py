"""The key ring that encrypts bank account numbers (AES-256-GCM) and fingerprints them (HMAC-SHA256).

Keys come from BANK_DATA_ENCRYPTION_KEYS, a list of base64 32-byte keys: the first one encrypts and
fingerprints, every one decrypts. From each key two sub-keys are derived with HKDF-SHA256 (one for
AES-GCM, one for HMAC), so the raw key is never used for two purposes.

A stored value is text: `v1:<key id>:<base64url(nonce || ciphertext || tag)>`.
- `v1` is the format version, `<key id>` names the key that encrypted it (12 hex characters of a
  SHA-256 of the key), so decryption never depends on the order of the ring.
- The nonce is 96 random bits, fresh for every encryption.
- The associated data binds the ciphertext to its format, key id, table, field and row id: a value
  copied into another row, another field or another table fails to decrypt.

A fingerprint is `<key id>:<hex HMAC-SHA256>` over the owner's id, the routing number and the account
number. It finds "this user already linked this account" without decrypting anything, and, because the
user id is inside, the same account linked by two users has unrelated fingerprints. Fingerprints are made
with the first key; a duplicate check looks for the fingerprint under every key in the ring, and
`rotate_encryption_keys` re-fingerprints each row together with re-encrypting it, so after a rotation an
old key can be dropped without breaking duplicate detection.
"""

import base64
import binascii
import functools
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

FORMAT_VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12
KEY_ID_CHARS = 12
SETTING = "BANK_DATA_ENCRYPTION_KEYS"


class KeyRingError(ImproperlyConfigured):
    """BANK_DATA_ENCRYPTION_KEYS cannot be used; the message says which entry and why."""


class DecryptionError(Exception):
    """A stored value cannot be decrypted: unknown format, a key missing from the ring, or tampering."""


def _derive(key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"ledgerly bank data", info=purpose).derive(key)


def key_id_for(key: bytes) -> str:
    """A short public name for a key, derived from it: the same key always has the same id."""
    return hashlib.sha256(b"ledgerly key id:" + key).hexdigest()[:KEY_ID_CHARS]


@dataclass(frozen=True)
class _Key:
    key_id: str
    aead: AESGCM
    fingerprint_key: bytes

    @classmethod
    def from_bytes(cls, key: bytes) -> "_Key":
        return cls(
            key_id=key_id_for(key),
            aead=AESGCM(_derive(key, b"aes-256-gcm v1")),
            fingerprint_key=_derive(key, b"hmac-sha256 fingerprint v1"),
        )


def parse_keys(values: list[str] | tuple[str, ...] | str) -> list[bytes]:
    """Decode the setting's base64 keys, failing with a message that names the bad entry."""
    if isinstance(values, str):
        values = [v for v in values.split(",")]
    entries = [v.strip() for v in values if v and v.strip()]
    if not entries:
        raise KeyRingError(
            f"{SETTING} is empty. Set it to one or more base64-encoded 32-byte keys, separated by commas "
            f"(make one with `python manage.py generate_encryption_key`)."
        )
    keys: list[bytes] = []
    for position, entry in enumerate(entries, start=1):
        try:
            key = base64.b64decode(entry.replace("-", "+").replace("_", "/"), validate=True)
        except (binascii.Error, ValueError):
            raise KeyRingError(
                f"{SETTING} entry {position} is not valid base64. Each entry must be a base64-encoded "
                f"32-byte key (make one with `python manage.py generate_encryption_key`)."
            ) from None
        if len(key) != KEY_BYTES:
            raise KeyRingError(
                f"{SETTING} entry {position} decodes to {len(key)} bytes; AES-256 keys are exactly {KEY_BYTES} "
                f"bytes (make one with `python manage.py generate_encryption_key`)."
            )
        if key in keys:
            raise KeyRingError(f"{SETTING} entry {position} repeats entry {keys.index(key) + 1}: list each key once.")
        keys.append(key)
    return keys


def generate_key() -> str:
    """A new random key, base64-encoded, ready for BANK_DATA_ENCRYPTION_KEYS."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def row_context(table: str, field: str, row_id) -> bytes:
    """The associated data part that names where a value lives."""
    return f"{table}|{field}|{row_id}".encode()


class KeyRing:
    def __init__(self, keys: list[bytes]):
        if not keys:
            raise KeyRingError(f"{SETTING} is empty.")
        self._keys = [_Key.from_bytes(k) for k in keys]
        self._by_id = {k.key_id: k for k in self._keys}
        if len(self._by_id) != len(self._keys):  # pragma: no cover - 48-bit id collision
            raise KeyRingError(f"Two keys in {SETTING} share an id; generate a new key.")

    @classmethod
    def from_setting(cls, values) -> "KeyRing":
        return cls(parse_keys(values))

    @property
    def primary_key_id(self) -> str:
        return self._keys[0].key_id

    @property
    def key_ids(self) -> list[str]:
        return [k.key_id for k in self._keys]

    @property
    def current_prefix(self) -> str:
        """Every value encrypted under the first key starts with this."""
        return f"{FORMAT_VERSION}:{self.primary_key_id}:"

    @staticmethod
    def _aad(key_id: str, context: bytes) -> bytes:
        return b"ledgerly|" + FORMAT_VERSION.encode() + b"|" + key_id.encode() + b"|" + context

    def encrypt(self, plaintext: str, *, context: bytes) -> str:
        key = self._keys[0]
        nonce = os.urandom(NONCE_BYTES)
        sealed = key.aead.encrypt(nonce, plaintext.encode(), self._aad(key.key_id, context))
        return f"{FORMAT_VERSION}:{key.key_id}:{_b64encode(nonce + sealed)}"

    def key_id_of(self, token: str) -> str:
        parts = (token or "").split(":")
        if len(parts) != 3 or parts[0] != FORMAT_VERSION:
            raise DecryptionError("The stored value is not in a format this version understands.")
        return parts[1]

    def decrypt(self, token: str, *, context: bytes) -> str:
        key_id = self.key_id_of(token)
        key = self._by_id.get(key_id)
        if key is None:
            raise DecryptionError(
                f"The value was encrypted with key {key_id}, which is not in {SETTING}: add that key back."
            )
        try:
            raw = _b64decode(token.split(":", 2)[2])
        except (binascii.Error, ValueError):
            raise DecryptionError("The stored value is damaged.") from None
        if len(raw) < NONCE_BYTES + 16:
            raise DecryptionError("The stored value is damaged.")
        try:
            plaintext = key.aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], self._aad(key_id, context))
        except InvalidTag:
            raise DecryptionError("The stored value does not belong here or was altered.") from None
        return plaintext.decode()

    def needs_rotation(self, token: str) -> bool:
        return not (token or "").startswith(self.current_prefix)

    def _fingerprint(self, key: _Key, data: str) -> str:
        digest = hmac.new(key.fingerprint_key, data.encode(), hashlib.sha256).hexdigest()
        return f"{key.key_id}:{digest}"

    def fingerprint(self, data: str) -> str:
        """The fingerprint under the first key: the one to store."""
        return self._fingerprint(self._keys[0], data)

    def fingerprints(self, data: str) -> list[str]:
        """The fingerprint under every key: what a duplicate check looks for."""
        return [self._fingerprint(k, data) for k in self._keys]


@functools.lru_cache(maxsize=4)
def _ring_for(values: tuple[str, ...]) -> KeyRing:
    return KeyRing.from_setting(list(values))


def get_key_ring() -> KeyRing:
    """The ring from settings (cached per value, so a changed setting in tests takes effect)."""
    values = getattr(settings, SETTING, None) or []
    if isinstance(values, str):
        values = values.split(",")
    return _ring_for(tuple(values))


if __name__ == "__main__":
    # `python -m banking.crypto` prints a new key without loading settings (which need a key to start).
    print(generate_key())
