"""The signer's own links: to their page, and to stop updates in one click.

Signed rather than stored: every e-mail a signer gets carries them, they never
expire (an unsubscribe link in an old e-mail must still work), and they lose their
meaning when the signature is erased. Each link names one signature, so it acts on
that statement alone.
"""

from __future__ import annotations

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer

from campaign.extensions import db
from campaign.signing.models import IndividualSignature, OrganizationSignature

Signature = IndividualSignature | OrganizationSignature
_KINDS: dict[str, type[IndividualSignature] | type[OrganizationSignature]] = {
    "i": IndividualSignature, "o": OrganizationSignature,
}


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="undersigned.signer-link")


def signer_token(signature: Signature) -> str:
    kind = "i" if isinstance(signature, IndividualSignature) else "o"
    return _serializer().dumps([kind, signature.id])


def signer_page_url_by_id(kind: str, signature_id: int) -> str:
    """The page's address from a query's plain values: kind "i" (an individual) or
    "o" (an organization's contact), and the signature's id."""
    if kind not in _KINDS:
        raise ValueError(kind)
    return url_for("signer.page", token=_serializer().dumps([kind, signature_id]),
                   _external=True)


def signature_from_token(token: str) -> Signature | None:
    try:
        kind, signature_id = _serializer().loads(token)
        model = _KINDS[kind]
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    return db.session.get(model, signature_id)


def signer_page_url(signature: Signature) -> str:
    return url_for("signer.page", token=signer_token(signature), _external=True)


def unsubscribe_url(signature: Signature) -> str:
    return url_for("signer.unsubscribe", token=signer_token(signature), _external=True)
