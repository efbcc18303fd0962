"""The coordinators' digest lists the organizations that confirmed that day; one
invalidated since (by a coordinator, or a bulk invalidation) is not among them."""

from __future__ import annotations

from datetime import UTC, datetime

from campaign.digests.services import digest_of
from campaign.extensions import db
from campaign.signing.models import OrganizationSignature, OrganizationStatus
from tests.conftest import import_example

NOON = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_an_invalidated_organization_is_not_in_the_digest(app_context):
    statement = import_example()
    for name, status in (("Genuine", OrganizationStatus.AWAITING_APPROVAL),
                         ("Fake", OrganizationStatus.INVALIDATED),
                         ("Held", OrganizationStatus.SUSPECTED)):
        db.session.add(OrganizationSignature(
            statement=statement, name=name, name_key=name.lower(), contact_name="Contact",
            contact_email=f"c@{name.lower()}.example.org", authorized_to_sign=True,
            status=status, created_at=NOON, confirmed_at=NOON))
    db.session.flush()

    digest = digest_of(statement.id, NOON.date())

    assert [organization["name"] for organization in digest["organizations"]] == ["Genuine"]
