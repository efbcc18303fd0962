"""The example statement as the letters tests need it: addressees with and without
e-mail addresses, and signatures of every kind a letter must show or leave out."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select

from campaign.accounts.models import Coordinator
from campaign.extensions import db
from campaign.moderation.services import approve_organization, hide_individual
from campaign.signing.models import IndividualSignature, NameDisplay, OrganizationSignature
from campaign.statements.models import Addressee, Statement
from campaign.statements.services import get_statement
from tests.conftest import create_coordinator_for
from tests.example_statement import ADDRESSEES
from tests.moderation import factories
from tests.support import csrf_token

# Every addressee but the last of group 3 gets an address; that one is delivered by hand.
BY_HAND = ADDRESSEES[2][-1]
WITH_EMAIL = [name for group in ADDRESSEES for name in group if name != BY_HAND]
COORDINATORS = ["mariia@example.org", "oleksandr@example.org"]

# A domain in other letters than a-z can pass for another: "undersіgned.org" with a
# Cyrillic "і" reads as the Latin one. Its ASCII form, the one mail goes to, does not.
IDN_ADDRESS, IDN_ASCII = "office@приклад.укр", "office@xn--80aikifvh.xn--j1amh"
HOMOGRAPH, HOMOGRAPH_ASCII = "info@undersіgned.org", "info@xn--undersgned-22i.org"
NOT_PLAIN_LATIN = "the domain has letters other than plain Latin a–z"

APPROVED_ORGANIZATION = "Kharkiv Solidarity Network"
SHOWN_NAMES = ["Olena Kovalenko", "Taras S."]
NEVER_SHOWN = ["Pending Freedom Union", "Hanna Anonymous", "Ulyana Unconfirmed",
               "Abusive Troll", "Taras Shevchenko"]


def email_of(name: str) -> str:
    return "office-" + "".join(ch for ch in name.lower() if ch.isalnum())[:30] + "@gov.example"


def address_the_addressees(slug: str) -> None:
    statement = get_statement(slug)
    for addressee in statement.addressees:
        addressee.email = None if addressee.name == BY_HAND else email_of(addressee.name)
    db.session.commit()


def add_team(slug: str) -> Coordinator:
    for email in COORDINATORS:
        create_coordinator_for(email, slug)
    return db.session.scalars(select(Coordinator).where(
        Coordinator.email == COORDINATORS[0])).one()


SIGNER_EMAILS = ["iryna@solidarity.example.org", "pending@freedom.example.org",
                 "olena@example.org", "taras@example.org", "hanna@example.org",
                 "ulyana@example.org", "troll@example.org"]


def add_signatures(slug: str, coordinator: Coordinator) -> None:
    """Signatures a letter shows, and ones it must never show (SIGNER_EMAILS)."""
    approved = factories.organization(slug, APPROVED_ORGANIZATION, "iryna@solidarity.example.org")
    approve_organization(db.session.get(OrganizationSignature, approved), by=coordinator)
    factories.organization(slug, "Pending Freedom Union", "pending@freedom.example.org")
    factories.individual(slug, "Olena Kovalenko", "olena@example.org")
    factories.individual(slug, "Taras Shevchenko", "taras@example.org",
                         name_display=NameDisplay.FIRST_NAME_AND_INITIAL)
    factories.individual(slug, "Hanna Anonymous", "hanna@example.org",
                         name_display=NameDisplay.HIDDEN)
    factories.individual(slug, "Ulyana Unconfirmed", "ulyana@example.org", confirm=False)
    troll = factories.individual(slug, "Abusive Troll", "troll@example.org")
    hide_individual(db.session.get(IndividualSignature, troll), by=coordinator)
    db.session.commit()


def addressee_named(slug: str, name: str) -> Addressee:
    statement: Statement = get_statement(slug)
    return next(addressee for addressee in statement.addressees if addressee.name == name)


_RECIPIENTS_FIELD = re.compile(r'name="recipients" type="hidden" value="([^"]*)"')


def confirm(client: FlaskClient, url: str, page: str | None = None):
    """Press "Send" on the confirmation page at URL as a browser does, with what its
    form carries (the token, and whom the page showed); PAGE: as it was opened
    earlier, else opened now."""
    page = client.get(url).text if page is None else page
    shown = _RECIPIENTS_FIELD.search(page)
    assert shown, f"no form to confirm on {url}"
    return client.post(url, data={"csrf_token": csrf_token(page), "recipients": shown[1]})
