import base64
import uuid

import pytest

from banking import crypto
from banking.crypto import DecryptionError, KeyRing, KeyRingError, parse_keys

K1 = base64.b64encode(b"\x01" * 32).decode()
K2 = base64.b64encode(b"\x02" * 32).decode()
ROW = uuid.UUID("00000000-0000-4000-8000-000000000001")
OTHER_ROW = uuid.UUID("00000000-0000-4000-8000-000000000002")


def ctx(row=ROW, field="account_number"):
    return crypto.row_context("banking_bankaccount", field, row)


def test_value_round_trips():
    ring = KeyRing.from_setting([K1])

    assert ring.decrypt(ring.encrypt("123456789", context=ctx()), context=ctx()) == "123456789"


def test_stored_value_names_format_version_and_key_id():
    ring = KeyRing.from_setting([K1, K2])

    version, key_id, _ = ring.encrypt("123456789", context=ctx()).split(":")

    assert version == "v1"
    assert key_id == crypto.key_id_for(b"\x01" * 32) == ring.primary_key_id


def test_every_encryption_uses_a_fresh_nonce():
    ring = KeyRing.from_setting([K1])

    first, second = (ring.encrypt("123456789", context=ctx()) for _ in range(2))

    assert first != second
    nonce = lambda token: crypto._b64decode(token.split(":")[2])[: crypto.NONCE_BYTES]  # noqa: E731
    assert nonce(first) != nonce(second)


def test_value_copied_to_another_row_does_not_decrypt():
    ring = KeyRing.from_setting([K1])
    token = ring.encrypt("123456789", context=ctx(ROW))

    with pytest.raises(DecryptionError):
        ring.decrypt(token, context=ctx(OTHER_ROW))


def test_value_copied_to_another_field_does_not_decrypt():
    ring = KeyRing.from_setting([K1])
    token = ring.encrypt("123456789", context=ctx(field="account_number"))

    with pytest.raises(DecryptionError):
        ring.decrypt(token, context=ctx(field="routing_number"))


def test_tampered_ciphertext_does_not_decrypt():
    ring = KeyRing.from_setting([K1])
    version, key_id, body = ring.encrypt("123456789", context=ctx()).split(":")
    raw = bytearray(crypto._b64decode(body))
    raw[-1] ^= 1

    with pytest.raises(DecryptionError):
        ring.decrypt(f"{version}:{key_id}:{crypto._b64encode(bytes(raw))}", context=ctx())


def test_relabelled_key_id_does_not_decrypt():
    ring = KeyRing.from_setting([K1, K2])
    _, _, body = ring.encrypt("123456789", context=ctx()).split(":")

    with pytest.raises(DecryptionError):
        ring.decrypt(f"v1:{ring.key_ids[1]}:{body}", context=ctx())


def test_decryption_does_not_depend_on_key_order():
    token = KeyRing.from_setting([K2, K1]).encrypt("123456789", context=ctx())

    assert KeyRing.from_setting([K1, K2]).decrypt(token, context=ctx()) == "123456789"


def test_missing_key_is_named_in_the_error():
    token = KeyRing.from_setting([K2]).encrypt("123456789", context=ctx())

    with pytest.raises(DecryptionError, match=crypto.key_id_for(b"\x02" * 32)):
        KeyRing.from_setting([K1]).decrypt(token, context=ctx())


def test_unknown_format_is_rejected():
    with pytest.raises(DecryptionError):
        KeyRing.from_setting([K1]).decrypt("plaintext-123456789", context=ctx())


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([], "is empty"),
        (["", " "], "is empty"),
        (["not base64!!"], "entry 1 is not valid base64"),
        ([K1, base64.b64encode(b"short").decode()], "entry 2 decodes to 5 bytes"),
        ([K1, K1], "entry 2 repeats entry 1"),
    ],
)
def test_bad_key_settings_fail_with_a_clear_message(values, message):
    with pytest.raises(KeyRingError, match=message):
        parse_keys(values)


def test_url_safe_base64_keys_are_accepted():
    key = bytes(range(200, 232))

    assert parse_keys([base64.urlsafe_b64encode(key).decode()]) == [key]


def test_generated_key_is_a_valid_ring_entry():
    key = crypto.generate_key()

    assert len(parse_keys([key])[0]) == 32
    assert crypto.generate_key() != key


def test_fingerprint_is_keyed_and_stable():
    ring = KeyRing.from_setting([K1])

    assert ring.fingerprint("u|021000021|123456789") == ring.fingerprint("u|021000021|123456789")
    assert ring.fingerprint("u|021000021|123456789") != ring.fingerprint("u|021000021|123456780")
    assert ring.fingerprint("x") != KeyRing.from_setting([K2]).fingerprint("x")
    assert ring.fingerprint("x").startswith(f"{ring.primary_key_id}:")


def test_fingerprints_cover_every_key_first_key_first():
    ring = KeyRing.from_setting([K1, K2])

    assert ring.fingerprints("x") == [ring.fingerprint("x"), KeyRing.from_setting([K2]).fingerprint("x")]


def test_fingerprint_key_differs_from_encryption_key():
    ring = KeyRing.from_setting([K1])
    key = ring._keys[0]

    assert key.fingerprint_key != b"\x01" * 32
    assert len(key.fingerprint_key) == 32


def test_ring_follows_the_setting(settings):
    settings.BANK_DATA_ENCRYPTION_KEYS = [K2]

    assert crypto.get_key_ring().primary_key_id == crypto.key_id_for(b"\x02" * 32)
