import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import AuditEvent

pytestmark = pytest.mark.django_db


def picture(fmt="PNG", size=(64, 48), name="me.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def test_profile_page_shows_the_name_and_initials_picture(owner_client):
    html = owner_client.get("/dashboard/settings/").content.decode()

    assert 'value="Olive Owner"' in html
    assert "/dashboard/settings/avatar?v=initials" in html


def test_changing_the_name_saves_and_audits(owner_client, owner):
    response = owner_client.post("/dashboard/settings/", {"name": "Olive Oyl"})

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.name == "Olive Oyl"
    assert AuditEvent.objects.filter(user=owner, action="profile.updated").exists()


def test_empty_name_is_refused(owner_client, owner):
    response = owner_client.post("/dashboard/settings/", {"name": "  "})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    owner.refresh_from_db()
    assert owner.name == "Olive Owner"


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_uploaded_picture_is_stored_reencoded_and_served_back(owner_client, owner, fmt):
    response = owner_client.post("/dashboard/settings/", {"name": "Olive", "avatar": picture(fmt, name="me.img")})

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.avatar.startswith(f"avatars/{owner.pk}/") and owner.avatar.endswith(".png")
    assert default_storage.exists(owner.avatar)
    served = owner_client.get("/dashboard/settings/avatar")
    assert served["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).size == (64, 48)


def test_large_pictures_are_scaled_down(owner_client, owner):
    owner_client.post("/dashboard/settings/", {"name": "Olive", "avatar": picture(size=(2000, 1000))})

    owner.refresh_from_db()
    with default_storage.open(owner.avatar) as stored:
        assert Image.open(stored).size == (512, 256)


def test_a_gif_is_refused_with_the_formats_we_take(owner_client, owner):
    response = owner_client.post("/dashboard/settings/", {"name": "Olive", "avatar": picture("GIF", name="me.gif")})

    assert response.status_code == 400
    assert "Use a PNG, JPEG, WebP picture." in response.content.decode()
    owner.refresh_from_db()
    assert owner.avatar == ""


def test_a_file_that_is_not_a_picture_is_refused(owner_client, owner):
    fake = SimpleUploadedFile("me.png", b"<svg onload=alert(1)>", content_type="image/png")

    response = owner_client.post("/dashboard/settings/", {"name": "Olive", "avatar": fake})

    assert response.status_code == 400
    assert "This file is not a picture we can read" in response.content.decode()


def test_a_png_with_a_chunk_that_does_not_line_up_is_refused_not_a_500(owner_client, owner):
    from PIL import PngImagePlugin

    text = PngImagePlugin.PngInfo()
    text.add_text("comment", "hello world")
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "red").save(buffer, format="PNG", pnginfo=text)
    data = bytearray(buffer.getvalue())
    length_at = data.find(b"IDAT") - 1
    data[length_at] -= 6  # the image data chunk now claims 6 bytes less than it holds: Pillow's SyntaxError
    broken = SimpleUploadedFile("me.png", bytes(data), content_type="image/png")

    response = owner_client.post("/dashboard/settings/", {"name": "Olive", "avatar": broken})

    assert response.status_code == 400
    assert "This file is not a picture we can read" in response.content.decode()
    owner.refresh_from_db()
    assert owner.avatar == ""


def test_a_picture_over_2_mb_is_refused(owner_client, owner, settings):
    big = picture()
    settings.AVATAR_MAX_BYTES = big.size - 1

    response = owner_client.post("/dashboard/settings/", {"name": "Olive", "avatar": big})

    assert response.status_code == 400
    assert "The picture is larger than" in response.content.decode()
    assert not default_storage.exists(f"avatars/{owner.pk}")


def test_replacing_the_picture_deletes_the_old_file(owner_client, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post("/dashboard/settings/", {"name": "Olive", "avatar": picture()})
    owner.refresh_from_db()
    first = owner.avatar

    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post("/dashboard/settings/", {"name": "Olive", "avatar": picture(size=(10, 10))})

    owner.refresh_from_db()
    assert owner.avatar != first
    assert not default_storage.exists(first)


def test_removing_the_picture_goes_back_to_initials(owner_client, owner, django_capture_on_commit_callbacks):
    owner_client.post("/dashboard/settings/", {"name": "Olive", "avatar": picture()})
    owner.refresh_from_db()
    stored = owner.avatar

    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post("/dashboard/settings/", {"name": "Olive", "remove_avatar": "on"})

    owner.refresh_from_db()
    assert owner.avatar == ""
    assert not default_storage.exists(stored)
    assert owner_client.get("/dashboard/settings/avatar")["Content-Type"] == "image/svg+xml"


def test_initials_picture_is_an_svg_with_the_initials(owner_client):
    response = owner_client.get("/dashboard/settings/avatar")

    assert response["Content-Type"] == "image/svg+xml"
    assert b">OO</text>" in response.content


def test_initials_are_escaped_in_the_svg(owner_client, owner):
    owner.name = "A<script>"
    owner.save()

    body = owner_client.get("/dashboard/settings/avatar").content

    assert b">A&lt;</text>" in body


def test_avatar_needs_sign_in(client):
    assert client.get("/dashboard/settings/avatar")["Location"].startswith("/sign-in")
