"""Organizations' logos: what the store accepts and keeps (campaign.signing.logos),
and the co-signing form and the page as an organization and a reader see them."""

from __future__ import annotations

import io
import os
import struct
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image, PngImagePlugin
from sqlalchemy import select

from campaign.database import utcnow
from campaign.extensions import db
from campaign.signing.logos import (
    MAX_LOGO_BYTES,
    LogoError,
    logo_folder,
    prepare_logo,
    remove_orphan_logos,
    store_logo,
)
from campaign.signing.models import OrganizationSignature, OrganizationStatus
from tests.support import csrf_token, organization_fields


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (120, 60), mode: str = "RGB",
                **save: object) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "red" if mode == "RGB" else 0).save(out, format=fmt, **save)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A one-pixel PNG whose header claims another size (a decompression bomb's trick)."""
    data = bytearray(image_bytes("PNG", size=(1, 1)))
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


# --- The rules, tested directly ----------------------------------------------------


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_png_jpeg_and_webp_are_re_encoded_as_png(app_context, fmt):
    logo = prepare_logo(io.BytesIO(image_bytes(fmt)))
    assert logo.name.endswith(".png") and len(logo.name) == 68
    with Image.open(io.BytesIO(logo.data)) as stored:
        assert stored.format == "PNG" and stored.size == (120, 60)


def test_metadata_is_stripped(app_context):
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "GPS 50.45N 30.52E secret")
    exif = Image.Exif()
    exif[0x010E] = "taken at the office"
    logo = prepare_logo(io.BytesIO(image_bytes("PNG", pnginfo=info, exif=exif)))
    assert b"secret" not in logo.data and b"office" not in logo.data
    with Image.open(io.BytesIO(logo.data)) as stored:
        assert not stored.getexif() and "Comment" not in stored.info


def test_the_same_picture_is_one_name(app_context):
    assert prepare_logo(io.BytesIO(image_bytes())).name == \
        prepare_logo(io.BytesIO(image_bytes())).name


@pytest.mark.parametrize("data", [
    b"",
    b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
    b"GIF89a" + b"\0" * 40,
    b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
    image_bytes("GIF"),
    image_bytes("BMP"),
    image_bytes("PNG")[:45],
])
def test_anything_but_a_readable_png_jpeg_or_webp_is_refused(app_context, data):
    with pytest.raises(LogoError) as error:
        prepare_logo(io.BytesIO(data))
    assert error.value.field == "logo"


def test_a_file_over_two_megabytes_is_refused_before_decoding(app_context):
    with pytest.raises(LogoError, match="2 MB"):
        prepare_logo(io.BytesIO(b"\x89PNG" + b"\0" * MAX_LOGO_BYTES))


@pytest.mark.parametrize("size", [(5000, 5000), (30000, 30000), (2**31 - 1, 2**31 - 1)])
def test_a_picture_over_the_pixel_limit_is_refused_from_its_header(app_context, size):
    with pytest.raises(LogoError, match="4000 by 4000"):
        prepare_logo(io.BytesIO(png_claiming(*size)))


def test_a_truncated_picture_is_refused_even_after_weasyprint_is_loaded(app_context):
    import weasyprint  # noqa: F401  (it tells Pillow to accept truncated images)

    with pytest.raises(LogoError):
        prepare_logo(io.BytesIO(image_bytes("JPEG", size=(300, 300))[:400]))


def test_a_large_picture_is_stored_small(app_context):
    logo = prepare_logo(io.BytesIO(image_bytes("JPEG", size=(3000, 1500))))
    with Image.open(io.BytesIO(logo.data)) as stored:
        assert stored.size == (600, 300)


def test_a_process_decodes_one_upload_at_a_time(app_context, monkeypatch):
    """Threads serving uploads at once decode them in turn: the memory of a picture
    made to be costly is taken once per process, not once per upload."""
    import threading
    import time

    from campaign.signing import logos

    decoding, most = [0], [0]
    real_drawable = logos._drawable

    def slow_drawable(image):
        decoding[0] += 1
        most[0] = max(most[0], decoding[0])
        time.sleep(0.05)
        decoding[0] -= 1
        return real_drawable(image)

    monkeypatch.setattr(logos, "_drawable", slow_drawable)
    results: list[str] = []
    uploads = [threading.Thread(target=lambda size=size: results.append(prepare_logo(
        io.BytesIO(image_bytes(size=(20 + size, 20)))).name)) for size in range(4)]
    for upload in uploads:
        upload.start()
    for upload in uploads:
        upload.join()

    assert len(set(results)) == 4
    assert most[0] == 1


def test_orphans_are_swept_and_named_logos_kept(app, statement_slug):
    with app.app_context():
        kept = store_logo(prepare_logo(io.BytesIO(image_bytes(size=(10, 10)))))
        orphan = store_logo(prepare_logo(io.BytesIO(image_bytes(size=(11, 11)))))
        organization = db.session.scalars(select(OrganizationSignature)).first()
        organization.logo = kept
        db.session.commit()
        assert remove_orphan_logos(now=utcnow()) == 0, "a file just written may be in flight"
        assert remove_orphan_logos(now=utcnow() + timedelta(hours=2)) == 1
        assert (logo_folder() / kept).is_file() and not (logo_folder() / orphan).exists()


# --- What an organization and a reader see -----------------------------------------


def cosign_with(client, slug: str, logo: bytes | None, filename: str = "logo.png"):
    page = client.get(f"/s/{slug}")
    data: dict[str, object] = {**organization_fields(), "org-csrf_token": csrf_token(page.text)}
    if logo is not None:
        data["org-logo"] = (io.BytesIO(logo), filename)
    return client.post(f"/s/{slug}/cosign", data=data, content_type="multipart/form-data")


def stored_files(app: Flask) -> list[Path]:
    with app.app_context():
        folder = logo_folder()
        return sorted(folder.iterdir()) if folder.is_dir() else []


def organization_row(app: Flask) -> OrganizationSignature | None:
    with app.app_context():
        return db.session.scalars(select(OrganizationSignature).where(
            OrganizationSignature.name == "Kharkiv Solidarity Network")).one_or_none()


def test_a_bad_file_is_told_on_the_form_and_nothing_is_saved(app, client, statement_slug):
    before = stored_files(app)
    response = cosign_with(client, statement_slug, b"%PDF-1.7 not an image", "logo.png")
    assert response.status_code == 400
    assert "This file is not a PNG, JPEG or WebP image that can be read." in response.text
    assert organization_row(app) is None
    assert stored_files(app) == before


def test_an_oversized_file_is_told_on_the_form(app, client, statement_slug):
    response = cosign_with(client, statement_slug, b"\x89PNG" + b"\0" * (3 * 1024 * 1024))
    assert response.status_code == 400
    assert "The logo is too large: it may be at most 2 MB." in response.text
    assert organization_row(app) is None


def test_a_request_over_the_upload_limit_gets_a_clear_page(app, client, statement_slug):
    response = cosign_with(client, statement_slug, b"\0" * (12 * 1024 * 1024))
    assert response.status_code == 413
    assert "a logo 2 MB" in response.text
    assert organization_row(app) is None


def test_the_logo_is_shown_only_once_the_organization_is_approved(app, client, statement_slug):
    response = cosign_with(client, statement_slug, image_bytes("JPEG"), "logo.jpg")
    assert response.status_code == 302
    organization = organization_row(app)
    assert organization is not None and organization.logo
    logo_url = f"/logos/{organization.logo}"
    assert client.get(logo_url).status_code == 404
    assert logo_url not in client.get(f"/s/{statement_slug}").text

    with app.app_context():
        row = db.session.get(OrganizationSignature, organization.id)
        row.status = OrganizationStatus.APPROVED
        row.approved_at = utcnow()
        db.session.commit()
    assert logo_url in client.get(f"/s/{statement_slug}").text
    served = client.get(logo_url)
    assert served.status_code == 200
    assert served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    # Not for ever: a logo taken away must leave shared caches soon.
    assert served.headers["Cache-Control"] == "public, max-age=3600"
    assert client.get(logo_url, headers={"If-None-Match": served.headers["ETag"]}
                      ).status_code == 304
    assert Image.open(io.BytesIO(served.data)).format == "PNG"


@pytest.mark.parametrize("name", ["../../etc/passwd", "a" * 64 + ".svg", "x.png",
                                  "a" * 64 + ".png"])
def test_nothing_but_a_stored_listed_logo_is_served(client, statement_slug, name):
    assert client.get(f"/logos/{name}").status_code == 404


def test_the_hourly_sweep_removes_old_orphans(app):
    from campaign.privacy.tasks import delete_expired_unconfirmed

    with app.app_context():
        orphan = logo_folder() / store_logo(prepare_logo(io.BytesIO(image_bytes(size=(9, 9)))))
        two_hours_ago = (utcnow() - timedelta(hours=2)).timestamp()
        os.utime(orphan, (two_hours_ago, two_hours_ago))
        delete_expired_unconfirmed()
        assert not orphan.exists()


def test_a_contact_erasing_the_co_signature_takes_its_logo_with_it_at_once(
        app, client, mail_dir, statement_slug):
    from tests.public.test_signer_page import press, signer_page_link

    cosign_with(client, statement_slug, image_bytes("JPEG"), "logo.jpg")
    organization = organization_row(app)
    assert organization is not None
    stored = stored_files(app)
    assert [path.name for path in stored] == [organization.logo]

    link = signer_page_link(app, mail_dir, organization.contact_email)
    press(client, f"{link}/erase", "Erase my data")

    assert organization_row(app) is None
    # Now, not at the hourly sweep.
    assert stored_files(app) == []


def erase_with_logo(app: Flask, picture: bytes, *, commit: bool = True,
                    also_named_by: str | None = None, stored_meanwhile: bool = False
                    ) -> Path:
    """A co-signature with PICTURE as its logo, erased (and the erasure committed, or
    rolled back); the logo's file."""
    from campaign.privacy.services import erase_signature
    from tests.moderation import factories

    with app.app_context():
        name = store_logo(prepare_logo(io.BytesIO(picture)))
        erased = db.session.get(OrganizationSignature, factories.organization(
            "crimea-2020", confirm=False))
        erased.logo = name
        if also_named_by:
            other = db.session.get(OrganizationSignature, factories.organization(
                "crimea-2020", also_named_by, "olha@example.net", confirm=False))
            other.logo = name
        db.session.commit()
        if stored_meanwhile:
            # A minute after the erased one was sent.
            erased.created_at = utcnow() - timedelta(minutes=1)
            db.session.commit()
            store_logo(prepare_logo(io.BytesIO(picture)))
        erase_signature(db.session.get(OrganizationSignature, erased.id))
        if commit:
            db.session.commit()
        else:
            db.session.rollback()
            # The session goes on to commit something else.
            db.session.get(OrganizationSignature, erased.id).contact_name = "Iryna S."
            db.session.commit()
        return logo_folder() / name


def test_an_erased_co_signatures_logo_stays_while_another_names_it(app, statement_slug):
    assert erase_with_logo(app, image_bytes(size=(12, 12)),
                           also_named_by="Kyiv Legal Aid").is_file()


def test_an_erasure_rolled_back_keeps_the_logo(app, statement_slug):
    assert erase_with_logo(app, image_bytes(size=(13, 13)), commit=False).is_file()


def test_the_same_picture_stored_since_by_another_request_is_left_to_the_sweep(
        app, statement_slug):
    """Another request stored the same picture after the erased co-signature was sent:
    its row may not be committed yet, so the file stays until the sweep."""
    assert erase_with_logo(app, image_bytes(size=(14, 14)), stored_meanwhile=True).is_file()


def test_a_savepoint_after_the_erasure_deletes_nothing_before_the_commit(
        app, statement_slug):
    from campaign.privacy.services import erase_signature
    from tests.moderation import factories

    with app.app_context():
        name = store_logo(prepare_logo(io.BytesIO(image_bytes(size=(15, 15)))))
        erased_id = factories.organization(statement_slug, confirm=False)
        db.session.get(OrganizationSignature, erased_id).logo = name
        db.session.commit()
        erase_signature(db.session.get(OrganizationSignature, erased_id))
        with db.session.begin_nested():
            pass
        db.session.rollback()

        assert db.session.get(OrganizationSignature, erased_id).logo == name
        assert (logo_folder() / name).is_file()


@pytest.mark.parametrize("moment", ["before", "after"])
def test_a_request_storing_the_same_picture_as_the_file_goes_keeps_it(
        app, statement_slug, monkeypatch, moment):
    """Another process stores the same picture just before the erased one's file is
    moved aside (it touches it), or just after (it finds none and writes it): either
    way the file is there for that request's row."""
    from campaign.privacy.services import erase_signature
    from tests.moderation import factories

    picture = image_bytes(size=(16, 16))
    real_rename = os.rename
    stored: list[str] = []

    def rename_as_another_request_stores_it(source, target):
        if moment == "after":
            real_rename(source, target)
        stored.append(store_logo(prepare_logo(io.BytesIO(picture))))
        if moment == "before":
            real_rename(source, target)

    with app.app_context():
        name = store_logo(prepare_logo(io.BytesIO(picture)))
        erased = db.session.get(OrganizationSignature, factories.organization(
            statement_slug, confirm=False))
        erased.logo = name
        erased.created_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        erase_signature(erased)
        monkeypatch.setattr(os, "rename", rename_as_another_request_stores_it)
        db.session.commit()
        monkeypatch.undo()

        assert stored == [name]
        assert (logo_folder() / name).is_file()
        assert [path.name for path in logo_folder().iterdir()] == [name]


def test_a_coordinator_gives_a_founding_organization_a_logo_and_can_take_it_away(
        app, client, coordinator_client, statement_slug):
    with app.app_context():
        founding = db.session.scalars(select(OrganizationSignature).where(
            OrganizationSignature.founding.is_(True))).first()
        founding_id, name = founding.id, founding.shown_name
    page_url = f"/coordinate/{statement_slug}/organizations/{founding_id}/logo"
    assert "Add a logo" in coordinator_client.get(
        f"/coordinate/{statement_slug}/organizations").text

    token = csrf_token(coordinator_client.get(page_url).text)
    refused = coordinator_client.post(page_url, content_type="multipart/form-data", data={
        "csrf_token": token, "logo": (io.BytesIO(b"<svg/>"), "logo.svg")})
    assert refused.status_code == 400
    assert "This file is not a PNG, JPEG or WebP image that can be read." in refused.text

    saved = coordinator_client.post(page_url, content_type="multipart/form-data", data={
        "csrf_token": token, "logo": (io.BytesIO(image_bytes("WEBP")), "logo.webp")})
    assert saved.status_code == 302
    logo = organization_row_by_id(app, founding_id).logo
    assert logo
    # Founding organizations come approved: the public sees it at once.
    public = client.get(f"/s/{statement_slug}").text
    assert f"/logos/{logo}" in public
    assert client.get(f"/logos/{logo}").status_code == 200
    assert f"The logo of {name} is saved." in coordinator_client.get(
        f"/coordinate/{statement_slug}/organizations").text

    coordinator_client.post(f"{page_url}/remove", data={"csrf_token": token})
    assert organization_row_by_id(app, founding_id).logo is None
    assert client.get(f"/logos/{logo}").status_code == 404


def test_the_team_sees_a_logo_before_approving_and_nobody_else_does(
        app, client, coordinator_client, statement_slug):
    assert cosign_with(client, statement_slug, image_bytes()).status_code == 302
    organization = organization_row(app)
    image_url = f"/coordinate/{statement_slug}/organizations/{organization.id}/logo.png"
    seen = coordinator_client.get(image_url)
    assert seen.status_code == 200 and seen.mimetype == "image/png"
    assert "no-store" in seen.headers["Cache-Control"]
    assert client.get(image_url).status_code in (302, 401, 404)


def organization_row_by_id(app: Flask, organization_id: int) -> OrganizationSignature:
    with app.app_context():
        return db.session.get(OrganizationSignature, organization_id)
