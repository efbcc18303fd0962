"""Who hears of a statement's news (an update, an addressee's reply): one rule for
every mailing to signers.

Confirmed individuals who asked for updates (hidden and withdrawn signatures have
another status), and the contacts of approved organizations that have not opted
out. Those contacts never ticked an updates box (the organization's form has none),
but an organization that co-signs acts with the coalition and needs to hear what
came of it; its contact was given for this statement and checked by a coordinator,
and can stop the mail with the link in each one. Founding organizations imported
with the text have no contact and are left out.
"""

from __future__ import annotations

from sqlalchemy import CompoundSelect, String, cast, literal, null, select, union_all

from campaign.signing.models import (
    ACTIVE_INDIVIDUAL_STATUSES,
    ACTIVE_ORGANIZATION_STATUSES,
    IndividualSignature,
    OrganizationSignature,
)


def signers_to_tell(statement_id: int) -> CompoundSelect:
    """Rows of (kind "i" or "o", signature_id, email, name, organization, link_secret,
    language)."""
    individuals = select(
        literal("i", String).label("kind"),
        IndividualSignature.id.label("signature_id"),
        IndividualSignature.email.label("email"),
        IndividualSignature.name.label("name"),
        cast(null(), String).label("organization"),
        IndividualSignature.link_secret.label("link_secret"),
        IndividualSignature.language.label("language"),
    ).where(IndividualSignature.statement_id == statement_id,
            IndividualSignature.status.in_(ACTIVE_INDIVIDUAL_STATUSES),
            IndividualSignature.wants_updates.is_(True))
    organizations = select(
        literal("o", String).label("kind"),
        OrganizationSignature.id.label("signature_id"),
        OrganizationSignature.contact_email.label("email"),
        OrganizationSignature.contact_name.label("name"),
        OrganizationSignature.name.label("organization"),
        OrganizationSignature.link_secret.label("link_secret"),
        OrganizationSignature.language.label("language"),
    ).where(OrganizationSignature.statement_id == statement_id,
            OrganizationSignature.status.in_(ACTIVE_ORGANIZATION_STATUSES),
            OrganizationSignature.wants_updates.is_(True),
            OrganizationSignature.contact_email.is_not(None))
    return union_all(individuals, organizations)
