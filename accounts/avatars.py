"""Profile pictures: validating and storing uploads, and the generated initials picture."""

import contextlib
import hashlib
import io
import os
import secrets
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, UnidentifiedImageError

ALLOWED_FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "WEBP": "WebP"}
MAX_PIXELS = 40_000_000  # a decompression bomb is refused before Pillow decodes it
MAX_SIDE = 512  # stored pictures are at most this wide and high
PALETTE = ["#0f766e", "#2563eb", "#d97706", "#db2777", "#7c3aed", "#059669", "#dc2626", "#475569"]


def avatar_validate(upload: UploadedFile) -> Image.Image:
    """The uploaded picture, decoded; ValidationError with a message saying what to fix otherwise."""
    limit_mb = settings.AVATAR_MAX_BYTES // (1024 * 1024)
    if upload.size is not None and upload.size > settings.AVATAR_MAX_BYTES:
        raise ValidationError(f"The picture is larger than {limit_mb} MB: choose a smaller one.", code="too_large")
    allowed = ", ".join(ALLOWED_FORMATS.values())
    try:
        upload.seek(0)
        image = Image.open(upload)
        image_format = image.format
        width, height = image.size
        if image_format not in ALLOWED_FORMATS:
            raise ValidationError(f"Use a {allowed} picture.", code="invalid_type")
        if width * height > MAX_PIXELS:
            raise ValidationError("The picture has too many pixels: use one under 40 megapixels.", code="too_large")
        image.load()
    except ValidationError:
        raise
    # Pillow reports a damaged file as any of these (a PNG chunk that does not line up is a SyntaxError).
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
        raise ValidationError(f"This file is not a picture we can read: use a {allowed} picture.", code="invalid")
    return image


def avatar_encode(image: Image.Image) -> bytes:
    """A square-bounded PNG without the original's metadata (EXIF can carry a location)."""
    image = image.convert("RGBA") if image.mode in {"RGBA", "LA", "P", "PA"} else image.convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _avatar_folder(user_id) -> str:
    return f"avatars/{user_id}"


def avatar_save_file(*, user_id, content: bytes) -> str:
    """Store the encoded picture with the default storage; returns the storage name."""
    name = f"{_avatar_folder(user_id)}/{secrets.token_hex(8)}.png"
    return default_storage.save(name, ContentFile(content))


def avatar_delete_file(name: str) -> None:
    if name:
        default_storage.delete(name)


def avatar_delete_all(*, user_id) -> None:
    """Delete every picture the user ever stored (a crash may have left an old one) and their folder, whose
    name is their id."""
    folder = _avatar_folder(user_id)
    try:
        _, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        default_storage.delete(f"{folder}/{name}")
    # A local folder outlives its files; object stores have no folders.
    with contextlib.suppress(NotImplementedError, OSError):
        os.rmdir(default_storage.path(folder))


def initials(name: str, email: str) -> str:
    words = [w for w in name.split() if w[:1].isalnum()]
    if len(words) >= 2:
        return (words[0][0] + words[-1][0]).upper()
    if words:
        return words[0][:2].upper()
    return (email[:1] or "?").upper()


def initials_svg(*, name: str, email: str, seed: str) -> str:
    """A round picture with the person's initials on a colour derived from their id."""
    colour = PALETTE[int(hashlib.sha256(seed.encode()).hexdigest(), 16) % len(PALETTE)]
    text = escape(initials(name, email))
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96" role="img">'
        f'<circle cx="48" cy="48" r="48" fill="{colour}"/>'
        '<text x="48" y="48" dy=".35em" text-anchor="middle" fill="#ffffff" '
        'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="38" font-weight="600">'
        f"{text}</text></svg>"
    )
