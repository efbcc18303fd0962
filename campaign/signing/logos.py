"""Organizations' logos: checked, decoded and re-encoded by Pillow, kept in the app's
own store (never under static/), and named by the digest of what was re-encoded.

An upload is an attacker's file until Pillow has decoded it. Only PNG, JPEG and WebP
are opened (no SVG, no format Pillow would guess from the content), the size of the
file and the size of the image (read from its header, before a pixel is decoded) are
checked first, and a decompression bomb is an error, not a warning. What is stored is
a new PNG drawn from the decoded pixels: no metadata (EXIF, GPS, comments, ICC
profiles), no trailing bytes, nothing the uploader wrote but the picture.

The file is written before the signature that names it is committed, whole or not at
all: a row never names a missing file. A commit that fails leaves a file nobody
names, which `remove_orphan_logos` deletes later. A signature erased takes its logo
with it when the erasure commits (`forget_logo`), not at the next sweep: an erased
organization's picture is its data too.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import secrets
import tempfile
import threading
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageFile, UnidentifiedImageError
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from campaign.database import utcnow
from campaign.domain import DomainError
from campaign.extensions import db
from campaign.signing.models import ACTIVE_ORGANIZATION_STATUSES, OrganizationSignature

ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP")
MAX_LOGO_BYTES = 2 * 1024 * 1024
# Read from the header before decoding: a 2 MB file can claim a gigapixel.
MAX_LOGO_SIDE = 4000
MAX_LOGO_PIXELS = MAX_LOGO_SIDE * MAX_LOGO_SIDE
# What is kept: enough for a page and a printed letter, small to serve.
STORED_SIZE = (600, 600)
CONTENT_TYPE = "image/png"
# The only names the store holds and serves: a SHA-256 and the one format it writes.
_NAME = re.compile(r"[0-9a-f]{64}\.png")


class LogoError(DomainError):
    """The file cannot be used as a logo; the message says why, for the form."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="logo")


@dataclass(frozen=True)
class PreparedLogo:
    name: str
    data: bytes


def prepare_logo(upload: IO[bytes]) -> PreparedLogo:
    """The logo as it will be stored, or a LogoError saying what is wrong with it."""
    data = upload.read(MAX_LOGO_BYTES + 1)
    if not data:
        raise LogoError(_("The logo file is empty. Choose a PNG, JPEG or WebP image."))
    if len(data) > MAX_LOGO_BYTES:
        raise LogoError(_("The logo is too large: it may be at most 2 MB."))
    # WeasyPrint, once imported, tells Pillow to fill a truncated image with grey; an
    # upload cut short is refused, and our letters draw only logos stored whole.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    with _ONE_DECODE_AT_A_TIME:
        return _decoded_and_stored(data)


# A picture made to be costly takes a few hundred MB while it is decoded. The limits
# are per client, and many clients can upload at once: with threaded workers, each
# process decodes one at a time, so a burst of uploads waits rather than adding up.
_ONE_DECODE_AT_A_TIME = threading.Lock()


def _decoded_and_stored(data: bytes) -> PreparedLogo:
    with warnings.catch_warnings():
        # Pillow only warns of an image between MAX_IMAGE_PIXELS and twice that.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as image:
                width, height = image.size
                if width * height > MAX_LOGO_PIXELS:
                    raise _too_many_pixels()
                # A JPEG is decoded straight at a half, a quarter or an eighth of its
                # size where that still covers the stored size (other formats ignore
                # this): a 4000-pixel photo then takes a sixteenth of the memory.
                image.draft(image.mode, STORED_SIZE)
                image.load()
                picture = _drawable(image)
        except LogoError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise _too_many_pixels() from error
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as error:
            # Pillow reports a damaged or disguised file in any of these.
            raise LogoError(_("This file is not a PNG, JPEG or WebP image that can be "
                              "read. Choose another file.")) from error
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    stored = out.getvalue()
    return PreparedLogo(name=f"{hashlib.sha256(stored).hexdigest()}.png", data=stored)


def _too_many_pixels() -> LogoError:
    return LogoError(_("The logo is too large: it may be at most %(limit)d by %(limit)d "
                       "pixels.", limit=MAX_LOGO_SIDE))


def _drawable(image: Image.Image) -> Image.Image:
    """The pixels alone, at most STORED_SIZE, in a mode PNG keeps: a fresh image
    carries no metadata. Scaled down as soon as it is converted, so that an upload at
    the pixel limit is held in memory twice (decoded, converted), not three times."""
    mode = "RGBA" if image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info \
        else "RGB"
    converted = image.convert(mode)
    converted.thumbnail(STORED_SIZE)
    picture = Image.new(mode, converted.size)
    picture.paste(converted)
    return picture


def logo_folder() -> Path:
    return Path(current_app.config["LOGO_DIR"])


def store_logo(logo: PreparedLogo) -> str:
    """The logo written to the store, whole or not at all; its name for the row."""
    folder = logo_folder()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / logo.name
    try:
        # The same picture stored already: touched, so that an erasure committing now
        # leaves it to the sweep, which sees whether this request's row names it.
        os.utime(target)
    except FileNotFoundError:
        with tempfile.NamedTemporaryFile(dir=folder, delete=False, suffix=".tmp") as handle:
            handle.write(logo.data)
        os.replace(handle.name, target)
    return logo.name


def logo_path(name: str) -> Path | None:
    """The stored file of a logo name, or None for a name the store never writes."""
    if not _NAME.fullmatch(name):
        return None
    path = logo_folder() / name
    return path if path.is_file() else None


def shown_logo_path(name: str) -> Path | None:
    """A logo as the public may fetch it: only one of a listed (approved) organization."""
    listed = db.session.scalar(
        select(OrganizationSignature.id)
        .where(OrganizationSignature.logo == name,
               OrganizationSignature.status.in_(ACTIVE_ORGANIZATION_STATUSES))
        .limit(1))
    return None if listed is None else logo_path(name)


# A file written or touched this recently may belong to a request not yet committed.
IN_FLIGHT_FOR = timedelta(hours=1)
_FORGOTTEN = "forgotten_logos"


def forget_logo(erased: OrganizationSignature) -> None:
    """Delete the logo of ERASED, whose row this transaction deletes, once it commits:
    if no other signature names it, and no request has stored the same picture since
    ERASED was sent, unless that was over IN_FLIGHT_FOR ago (a request storing it may
    not have committed yet: the sweep decides then)."""
    if erased.logo is None or db.session.scalar(
            select(OrganizationSignature.id)
            .where(OrganizationSignature.logo == erased.logo,
                   OrganizationSignature.id != erased.id).limit(1)) is not None:
        return
    path = logo_path(erased.logo)
    if path is not None:
        # Files' times come from a coarser clock than utcnow's, a few milliseconds
        # behind: the second's margin keeps its own upload's on this side.
        sent = erased.created_at + timedelta(seconds=1)
        stored_by_then = max(sent, utcnow() - IN_FLIGHT_FOR).timestamp()
        db.session().info.setdefault(_FORGOTTEN, {})[path] = stored_by_then


@event.listens_for(Session, "after_commit")
def _remove_forgotten_logos(session: Session) -> None:
    # Called when a savepoint is released too: the erasure is not committed yet.
    if session.in_nested_transaction():
        return
    for path, stored_by_then in session.info.pop(_FORGOTTEN, {}).items():
        _remove_unless_stored_since(path, stored_by_then)


def _remove_unless_stored_since(path: Path, stored_by_then: float) -> bool:
    """Delete PATH unless a request has stored it (written or touched it) after
    STORED_BY_THEN, a timestamp. Moved aside before its time is read: a request
    touching it before the move shows in the time, and it is put back; one touching it
    after finds no file and writes it anew. Reading the time and then deleting would
    let a touch in between lose a file that request's row is about to name."""
    aside = path.with_name(f"{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        os.rename(path, aside)
        if aside.stat().st_mtime <= stored_by_then:
            aside.unlink()
            return True
        # Back, over a copy that request may have written meanwhile: the name is the
        # picture's digest, so both are the same bytes.
        os.replace(aside, path)
    except FileNotFoundError:
        # Gone already: another sweep or erasure took it.
        pass
    return False


@event.listens_for(Session, "after_rollback")
def _keep_forgotten_logos(session: Session) -> None:
    # The rows that named them are back (a savepoint's rollback too, to be safe: the
    # sweep removes what is left).
    session.info.pop(_FORGOTTEN, None)


def remove_orphan_logos(older_than: timedelta = IN_FLIGHT_FOR,
                        now: datetime | None = None) -> int:
    """Delete stored logos no signature names (a commit that failed after the file
    was written, a signature erased). Only files older than OLDER_THAN: a file just
    written may belong to a request that has not committed yet."""
    folder = logo_folder()
    if not folder.is_dir():
        return 0
    named = set(db.session.scalars(
        select(OrganizationSignature.logo).where(OrganizationSignature.logo.is_not(None))))
    cutoff = ((now or utcnow()) - older_than).timestamp()
    removed = 0
    for path in folder.iterdir():
        if path.name in named:
            continue
        if _NAME.fullmatch(path.name):
            removed += _remove_unless_stored_since(path, cutoff)
        elif path.suffix == ".tmp":
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime <= cutoff:
                    path.unlink()
                    removed += 1
    return removed
