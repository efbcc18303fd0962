"""An update's e-mail as the worker delivers it: not sent to a signer who has since
stopped updates, withdrawn or been erased, and with a one-click unsubscribe."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask

from campaign.extensions import db
from campaign.outbox.delivery import TemplateHooks, register_template_hooks
from campaign.outbox.models import OutboxMessage
from campaign.signing.models import (
    IndividualSignature,
    OrganizationSignature,
)
from campaign.signing.signer_links import Signature, signer_page_url, unsubscribe_url
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


def _should_send(message: OutboxMessage) -> bool:
    update = db.session.get(Update, message.context.get("update_id"))
    if update is None:
        return False
    if message.context.get("test"):
        return True
    return update.status is UpdateStatus.PUBLISHED and still_wants_updates(
        signature_of(message))


def _headers(message: OutboxMessage) -> dict[str, str]:
    signature = signature_of(message)
    if signature is None:  # the coordinator's test copy
        return {}
    # RFC 8058: a mail client may POST to the link, without a session, to unsubscribe.
    return {"List-Unsubscribe": f"<{unsubscribe_url(signature)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


@dataclass(frozen=True)
class UpdateEmail:
    update: Update | None
    unsubscribe_url: str | None
    signer_page_url: str | None


def update_email(message_context: dict[str, Any]) -> UpdateEmail:
    """What the update's e-mail shows, read at delivery: the update and, for a signer,
    their own links."""
    update = db.session.get(Update, message_context["update_id"])
    signature = None
    if not message_context.get("test"):
        signature = signature_of(OutboxMessage(context=message_context))
    return UpdateEmail(
        update=update,
        unsubscribe_url=unsubscribe_url(signature) if signature else None,
        signer_page_url=signer_page_url(signature) if signature else None,
    )


def register_update_mail(app: Flask) -> None:
    register_template_hooks(UPDATE_TEMPLATE, TemplateHooks(
        should_send=_should_send, headers=_headers))
    app.add_template_global(update_email)
