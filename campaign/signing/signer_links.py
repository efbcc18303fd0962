"""The signer's own links: to their page, and to stop updates in one click.

Signed rather than stored: every e-mail a signer gets carries them, they never
expire (an unsubscribe link in an old e-mail must still work), and they lose their
meaning when the signature is erased. Each link names one signature, so it acts on
that statement alone.

A link carries the signature's kind, its id and its link secret (a random value
stored on the row), signed with the instance's key. The id alone is not enough: a
signature erased and another made later could share it (SQLite hands out a deleted
row's id again unless told not to), and the old link would open the new signer's
page. With the secret, a link opens the signature it was made for and dies with it.
"""

from __future__ import annotations

import hmac

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


def _kind(signature: Signature) -> str:
    return "i" if isinstance(signature, IndividualSignature) else "o"


def signer_token_by_id(kind: str, signature_id: int, link_secret: str) -> str:
    """The token of a signer's links from a query's plain values: kind "i" (an
    individual) or "o" (an organization's contact), the signature's id and its
    link secret."""
    if kind not in _KINDS:
        raise ValueError(kind)
    return _serializer().dumps([kind, signature_id, link_secret])


def signer_token(signature: Signature) -> str:
    return signer_token_by_id(_kind(signature), signature.id, signature.link_secret)


def signer_page_url_by_id(kind: str, signature_id: int, link_secret: str) -> str:
    """The page's address from plain values (see signer_token_by_id), for a worker
    writing to many signers from one query."""
    return url_for("signer.page", token=signer_token_by_id(kind, signature_id, link_secret),
                   _external=True)


def signature_from_token(token: str) -> Signature | None:
    """The signature a link was made for, or None: a link altered, from before links
    carried a secret, or of a signature erased (whose id may be another's now)."""
    try:
        kind, signature_id, link_secret = _serializer().loads(token)
        model = _KINDS[kind]
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    if not isinstance(signature_id, int) or not isinstance(link_secret, str):
        return None
    signature = db.session.get(model, signature_id)
    if signature is None or not hmac.compare_digest(signature.link_secret.encode(),
                                                    link_secret.encode()):
        return None
    return signature


def signer_page_url(signature: Signature) -> str:
    return url_for("signer.page", token=signer_token(signature), _external=True)


def signer_links(signature: Signature) -> tuple[str, str]:
    """The signer's page and their unsubscribe link, signed once for both: an e-mail
    to 100,000 signers carries both in each."""
    token = signer_token(signature)
    return (url_for("signer.page", token=token, _external=True),
            url_for("signer.unsubscribe", token=token, _external=True))
