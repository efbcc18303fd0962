"""An update's e-mail as the worker delivers it: not sent to a signer who has since
stopped updates, withdrawn or been erased, and with a one-click unsubscribe."""

from __future__ import annotations

import json
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from flask import Flask

from campaign.extensions import db
from campaign.outbox.delivery import TemplateHooks, for_the_batch, register_template_hooks
from campaign.outbox.models import OutboxMessage
from campaign.signing.models import (
    IndividualSignature,
    OrganizationSignature,
)
from campaign.signing.signer_links import Signature, signer_links
from campaign.updates.models import Update, UpdateStatus
from campaign.updates.services import UPDATE_TEMPLATE


def signature_of(message: OutboxMessage) -> Signature | None:
    """The signature a fan-out row was written for; None if erased since."""
    kind, signature_id = message.context.get("signature_kind"), message.context.get(
        "signature_id")
    model = {"i": IndividualSignature, "o": OrganizationSignature}.get(kind or "")
    return db.session.get(model, signature_id) if model and signature_id else None


def still_wants_updates(signature: Signature | None) -> bool:
    return signature is not None and signature.wants_updates and signature.is_active


@dataclass(frozen=True)
class UpdateText:
    """What a signer's e-mail shows of its update."""

    id: int
    title: str
    body_markdown: str
    published: bool


def _read_update(update_id: int) -> UpdateText | None:
    update = db.session.get(Update, update_id)
    if update is None:
        return None
    return UpdateText(id=update.id, title=update.title, body_markdown=update.body_markdown,
                      published=update.status is UpdateStatus.PUBLISHED)


def _update_of(message: OutboxMessage) -> UpdateText | None:
    update_id = message.context.get("update_id")
    # Once a batch: a published update is not changed, nor made a draft again.
    return for_the_batch(("update", update_id), lambda: _read_update(update_id))


def _should_send(message: OutboxMessage) -> bool:
    update = _update_of(message)
    if update is None:
        return False
    if message.context.get("test"):
        return True
    return update.published and still_wants_updates(signature_of(message))


def _headers(message: OutboxMessage, context: dict[str, Any]) -> dict[str, str]:
    if not context.get("unsubscribe_url"):  # the coordinator's test copy
        return {}
    # RFC 8058: a mail client may POST to the link, without a session, to unsubscribe.
    return {"List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _context(message: OutboxMessage) -> dict[str, Any]:
    """What the update's e-mail shows that is read at delivery: the update and, for a
    signer, their own links (the coordinator's test copy has none)."""
    signature = None if message.context.get("test") else signature_of(message)
    page, unsubscribe = signer_links(signature) if signature else (None, None)
    return {"update": _update_of(message), "signer_page_url": page,
            "unsubscribe_url": unsubscribe}


# What differs from one signer's copy of an update to the next: everything else is
# rendered once per update and language.
_SIGNERS_OWN = ("signer_name", "signer_page_url", "unsubscribe_url")
_NAMING_THE_SIGNER = {"signer_name", "signature_kind", "signature_id"}


def _shared_key(message: OutboxMessage) -> Hashable | None:
    """Signers' copies of one update share their rendering; the key holds all that
    rendering shows (a published update is not edited, but a key with its text cannot
    serve a stale one). The test copy is rendered whole: its update is a draft."""
    update = _update_of(message)
    if update is None or message.context.get("test"):
        return None
    shared = {key: value for key, value in message.context.items()
              if key not in _NAMING_THE_SIGNER}
    return (update.id, update.title, update.body_markdown,
            json.dumps(shared, sort_keys=True))


def register_update_mail(app: Flask) -> None:
    register_template_hooks(UPDATE_TEMPLATE, TemplateHooks(
        should_send=_should_send, headers=_headers, context=_context,
        shared_key=_shared_key, own=_SIGNERS_OWN))
