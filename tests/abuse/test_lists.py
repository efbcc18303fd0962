"""Block and allow lists: what an entry matches, what a blocked signer experiences,
and who may change which list."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from campaign.abuse.lists import (
    ListError,
    add_entry,
    is_allowed_address,
    is_blocked,
    parse_entry,
)
from campaign.abuse.models import EntryTarget, HoldReason, ListEntry, ListKind
from campaign.accounts.models import Coordinator
from campaign.extensions import db
from campaign.outbox.models import OutboxMessage
from campaign.signing.models import (
    IndividualSignature,
    IndividualStatus,
    OrganizationSignature,
    OrganizationStatus,
)
from campaign.signing.tally import read_counts
from campaign.statements.services import get_statement
from tests.conftest import create_coordinator_for, import_example, sign_in
from tests.support import csrf_token, individual_fields, organization_fields, post_form

# --- What an entry is -------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "target", "value"), [
    ("Olena@Example.ORG", EntryTarget.EMAIL, "olena@example.org"),
    ("spam.example", EntryTarget.DOMAIN, "spam.example"),
    ("@Spam.Example", EntryTarget.DOMAIN, "spam.example"),
    ("*.spam.example", EntryTarget.DOMAIN, "spam.example"),
    ("Приклад.укр", EntryTarget.DOMAIN, "xn--80aikifvh.xn--j1amh"),
    ("203.0.113.0/24", EntryTarget.IP_RANGE, "203.0.113.0/24"),
    (" 203.0.113.7 ", EntryTarget.IP_RANGE, "203.0.113.7/32"),
    ("2001:DB8:1::/48", EntryTarget.IP_RANGE, "2001:db8:1::/48"),
    ("2001:db8::1", EntryTarget.IP_RANGE, "2001:db8::1/128"),
])
def test_an_entry_is_recognized_and_stored_as_it_is_compared(app_context, typed, target,
                                                              value):
    assert parse_entry(typed) == (target, value)


@pytest.mark.parametrize(("typed", "message"), [
    ("203.0.113.7/24", "Did you mean 203.0.113.0/24?"),
    ("300.1.2.0/24", "is not an IP range"),
    ("203.0.113.0/33", "is not an IP range"),
    ("2001:db8::/129", "is not an IP range"),
    ("1.2.3", "is not an IP range"),
    ("localhost", "is not a domain name"),
    ("exa mple.org", "is not a domain name"),
    ("olena@", "is not a valid e-mail address"),
    ("   ", "Enter an e-mail address"),
])
def test_a_bad_entry_is_refused_with_a_reason(app_context, typed, message):
    with pytest.raises(ListError, match=message):
        parse_entry(typed)


# --- What is blocked ---------------------------------------------------------------------


@pytest.fixture
def statements(app_context):
    first, second = import_example("first"), import_example("second")
    coordinator = Coordinator(email="admin@example.org", name="Admin", password_hash="x",
                              is_admin=True)
    db.session.add(coordinator)
    db.session.commit()
    return first, second, coordinator


def entry(statement, kind: ListKind, text: str, by: Coordinator) -> None:
    add_entry(statement, kind, text, "a reason", by=by)
    db.session.commit()


def blocked(statement, email: str | None = "someone@example.org",
            address: str | None = "192.0.2.1") -> bool:
    return is_blocked(statement.id, email=email, address=address)


def test_a_range_written_as_ipv4_mapped_ipv6_blocks_those_ipv4_clients(statements):
    first, _second, admin = statements
    entry(first, ListKind.BLOCK, "::ffff:203.0.113.0/120", admin)
    entry(first, ListKind.BLOCK, "::ffff:198.51.100.7", admin)

    assert blocked(first, address="203.0.113.200")
    assert blocked(first, address="::ffff:203.0.113.9")
    assert blocked(first, address="198.51.100.7")
    assert not blocked(first, address="198.51.100.8")
    assert {value for value, in db.session.execute(select(ListEntry.value))} == {
        "203.0.113.0/24", "198.51.100.7/32"}


def test_an_address_entry_blocks_that_address_only(statements):
    first, second, admin = statements
    entry(first, ListKind.BLOCK, "troll@example.org", admin)

    assert blocked(first, "troll@example.org")
    assert not blocked(first, "olena@example.org")
    assert not blocked(second, "troll@example.org"), "another statement's list"


def test_an_address_entry_blocks_every_spelling_of_its_mailbox(statements):
    first, _second, admin = statements
    entry(first, ListKind.BLOCK, "Jane.Doe@gmail.com", admin)

    assert blocked(first, "j.a.n.e.doe+petition@googlemail.com")
    assert blocked(first, "janedoe@gmail.com")
    assert not blocked(first, "jane@gmail.com")


def test_a_domain_blocks_its_subdomains_but_not_lookalikes(statements):
    first, _second, admin = statements
    entry(first, ListKind.BLOCK, "spam.example", admin)

    assert blocked(first, "a@spam.example")
    assert blocked(first, "a@mx1.SPAM.example")
    assert not blocked(first, "a@notspam.example")
    assert not blocked(first, "a@spam.example.org")


def test_a_range_blocks_the_live_address_in_it_ipv4_and_ipv6(statements):
    first, _second, admin = statements
    entry(first, ListKind.BLOCK, "203.0.113.0/24", admin)
    entry(first, ListKind.BLOCK, "2001:db8:1::/48", admin)

    assert blocked(first, address="203.0.113.200")
    assert blocked(first, address="::ffff:203.0.113.9"), "an IPv4 client on an IPv6 socket"
    assert blocked(first, address="2001:db8:1:ffff::1")
    assert not blocked(first, address="203.0.114.1")
    assert not blocked(first, address="2001:db8:2::1")
    assert not blocked(first, address=None)
    assert not blocked(first, address="not an address")


def test_an_instance_entry_blocks_on_every_statement(statements):
    first, second, admin = statements
    entry(None, ListKind.BLOCK, "flood.example", admin)

    assert blocked(first, "a@flood.example") and blocked(second, "a@flood.example")


def test_an_allow_entry_lifts_a_block_on_its_own_side_only(statements):
    first, _second, admin = statements
    entry(first, ListKind.BLOCK, "university.example", admin)
    entry(first, ListKind.ALLOW, "rector@university.example", admin)
    entry(first, ListKind.BLOCK, "203.0.0.0/16", admin)
    entry(first, ListKind.ALLOW, "203.0.113.0/24", admin)

    assert blocked(first, "student@university.example")
    assert not blocked(first, "rector@university.example")
    assert blocked(first, address="203.0.7.1")
    assert not blocked(first, address="203.0.113.1")
    # The allowed network does not let a blocked address through, nor the reverse.
    assert blocked(first, "student@university.example", "203.0.113.1")
    assert blocked(first, "rector@university.example", "203.0.7.1")


def test_a_statement_cannot_lift_an_instance_block_but_the_instance_can(statements):
    first, second, admin = statements
    entry(None, ListKind.BLOCK, "flood.example", admin)
    entry(first, ListKind.ALLOW, "flood.example", admin)
    assert blocked(first, "a@flood.example")

    entry(None, ListKind.ALLOW, "friend@flood.example", admin)
    entry(second, ListKind.BLOCK, "friend@flood.example", admin)
    assert not blocked(first, "friend@flood.example")
    assert not blocked(second, "friend@flood.example")


def test_an_allowed_range_is_exempt_from_the_ip_limit(statements):
    first, second, admin = statements
    entry(first, ListKind.ALLOW, "198.51.100.0/24", admin)
    entry(None, ListKind.ALLOW, "2001:db8::/32", admin)
    entry(first, ListKind.BLOCK, "192.0.2.0/24", admin)

    assert is_allowed_address(first.id, "198.51.100.77")
    assert not is_allowed_address(second.id, "198.51.100.77")
    assert is_allowed_address(second.id, "2001:db8:5::1")
    assert not is_allowed_address(first.id, "192.0.2.1"), "a block is not an allow"
    assert not is_allowed_address(first.id, None)


def test_only_an_admin_changes_the_instance_lists(statements):
    first, _second, _admin = statements
    coordinator = Coordinator(email="c@example.org", name="C", password_hash="x")
    db.session.add(coordinator)
    db.session.flush()

    with pytest.raises(ListError, match="Only an instance admin"):
        add_entry(None, ListKind.BLOCK, "flood.example", "reason", by=coordinator)
    add_entry(first, ListKind.BLOCK, "flood.example", "reason", by=coordinator)


def test_the_same_entry_twice_is_refused(statements):
    first, _second, admin = statements
    entry(first, ListKind.BLOCK, "spam.example", admin)
    entry(None, ListKind.BLOCK, "spam.example", admin)

    for statement in (first, None):
        with pytest.raises(ListError, match="already on this list"):
            add_entry(statement, ListKind.BLOCK, "SPAM.example", "again", by=admin)
    assert db.session.scalar(select(func.count()).select_from(ListEntry)) == 2


# --- A blocked signer's experience -----------------------------------------------------


def outbox_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def add_statement_entry(app: Flask, slug: str, text: str, kind=ListKind.BLOCK) -> None:
    with app.app_context():
        admin = db.session.get(Coordinator, create_coordinator_for(
            f"{kind}-{len(text)}@example.org", slug))
        entry(get_statement(slug), kind, text, admin)


def sign_from(client: FlaskClient, slug: str, address: str, **fields: str):
    page = client.get(f"/s/{slug}", environ_base={"REMOTE_ADDR": address})
    return client.post(f"/s/{slug}/sign",
                       data={**individual_fields(**fields),
                             "person-csrf_token": csrf_token(page.text)},
                       environ_base={"REMOTE_ADDR": address})


def test_a_signature_from_a_blocked_range_is_held_silently(app, client, statement_slug):
    add_statement_entry(app, statement_slug, "203.0.113.0/24")

    held = sign_from(client, statement_slug, "203.0.113.9")
    normal = sign_from(client, statement_slug, "198.51.100.1",
                       **{"person-email": "genuine@example.org"})

    assert held.status_code == normal.status_code == 302
    assert held.headers["Location"] == normal.headers["Location"]
    with app.app_context():
        signature = db.session.scalars(select(IndividualSignature).where(
            IndividualSignature.email == "olena@example.org")).one()
        assert signature.status is IndividualStatus.SUSPECTED
        assert signature.hold_reason is HoldReason.BLOCK_LIST
        assert signature.confirmation_token_hash is None
        assert signature.email_domain == "example.org"
        assert [message.to_address for message in db.session.scalars(
            select(OutboxMessage))] == ["genuine@example.org"]
        assert read_counts(get_statement(statement_slug).id).individuals == 0


def test_signing_again_from_a_blocked_domain_changes_nothing(app, client, statement_slug):
    add_statement_entry(app, statement_slug, "example.org")
    sign_from(client, statement_slug, "198.51.100.1")

    again = sign_from(client, statement_slug, "198.51.100.1",
                      **{"person-name": "Someone Else"})

    assert again.status_code == 302
    with app.app_context():
        signature = db.session.scalars(select(IndividualSignature)).one()
        assert signature.name == "Olena Kovalenko"
        assert signature.status is IndividualStatus.SUSPECTED
        assert outbox_count() == 0


def test_an_organization_with_a_blocked_contact_domain_is_held(app, client, statement_slug):
    add_statement_entry(app, statement_slug, "solidarity.example.org")

    response = post_form(client, f"/s/{statement_slug}", f"/s/{statement_slug}/cosign",
                         organization_fields())

    assert response.status_code == 302
    with app.app_context():
        organization = db.session.scalars(select(OrganizationSignature).where(
            OrganizationSignature.founding.is_(False))).one()
        assert organization.status is OrganizationStatus.SUSPECTED
        assert organization.hold_reason is HoldReason.BLOCK_LIST
        assert organization.email_domain == "solidarity.example.org"
        assert outbox_count() == 0


# --- The pages -------------------------------------------------------------------------


def lists_url(slug: str) -> str:
    return f"/coordinate/{slug}/lists"


def add_through_page(client: FlaskClient, url: str, value: str, kind: str = "block",
                     reason: str = "Flood on 3 March"):
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, data={"list_kind": kind, "value": value, "reason": reason,
                                  "csrf_token": csrf_token(page.text)})


def test_a_coordinator_adds_and_removes_an_entry(app, coordinator_client, statement_slug):
    response = add_through_page(coordinator_client, lists_url(statement_slug),
                                "203.0.113.0/24")
    assert response.status_code == 302

    page = coordinator_client.get(lists_url(statement_slug)).text
    assert "203.0.113.0/24" in page and "Flood on 3 March" in page and "IP range" in page
    with app.app_context():
        entry_id = db.session.scalars(select(ListEntry.id)).one()
    remove = f"{lists_url(statement_slug)}/{entry_id}/remove"
    assert f'action="{remove}"' in page

    response = coordinator_client.post(remove, data={"csrf_token": csrf_token(page)})

    assert response.status_code == 302
    assert "203.0.113.0/24 is off the Block list." in coordinator_client.get(
        lists_url(statement_slug)).text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ListEntry)) == 0


def test_removing_an_entry_twice_says_so_instead_of_not_found(app, coordinator_client,
                                                              statement_slug):
    add_through_page(coordinator_client, lists_url(statement_slug), "spam.example")
    page = coordinator_client.get(lists_url(statement_slug)).text
    with app.app_context():
        entry_id = db.session.scalars(select(ListEntry.id)).one()
    remove = f"{lists_url(statement_slug)}/{entry_id}/remove"

    first = coordinator_client.post(remove, data={"csrf_token": csrf_token(page)})
    second = coordinator_client.post(remove, data={"csrf_token": csrf_token(page)})

    assert first.status_code == 302
    assert second.status_code == 302
    assert "This entry is not on the list (any more)." in coordinator_client.get(
        lists_url(statement_slug)).text


@pytest.mark.parametrize(("value", "message"), [
    ("203.0.113.7/24", "Did you mean 203.0.113.0/24?"),
    ("999.1.1.1/8", "is not an IP range"),
    ("2001:db8::/200", "is not an IP range"),
    ("/", "is not an IP range"),
    ("x" * 400, "is not a domain name"),
    ("", "Enter an e-mail address, a domain or an IP range."),
])
def test_bad_input_is_a_form_error_never_a_500(app, coordinator_client, statement_slug,
                                               value, message):
    response = add_through_page(coordinator_client, lists_url(statement_slug), value)

    assert response.status_code == 400
    assert message in response.text
    assert 'aria-describedby="value-hint value-error"' in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ListEntry)) == 0


@pytest.mark.parametrize("value", ["0.0.0.0/0", "::/0", "128.0.0.0/1", "2000::/3",
                                   "::ffff:0:0/96"])
@pytest.mark.parametrize("kind", ["block", "allow"])
def test_a_range_wider_than_a_network_operators_is_refused(app, coordinator_client,
                                                           statement_slug, value, kind):
    response = add_through_page(coordinator_client, lists_url(statement_slug), value, kind)

    assert response.status_code == 400
    assert "is wider than any one network" in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ListEntry)) == 0


@pytest.mark.parametrize("value", ["10.0.0.0/8", "2001:db8::/32", "2c0f::/16"])
def test_a_wide_range_of_one_operator_is_accepted(app, coordinator_client, statement_slug,
                                                 value):
    response = add_through_page(coordinator_client, lists_url(statement_slug), value)

    assert response.status_code == 302


def test_a_nul_byte_in_a_reason_is_refused_not_a_500(app, coordinator_client, statement_slug):
    response = add_through_page(coordinator_client, lists_url(statement_slug),
                                "spam.example", reason="spam\x00 wave")

    assert response.status_code == 400
    assert "contains a NUL character" in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ListEntry)) == 0


def test_a_reason_is_required(app, coordinator_client, statement_slug):
    response = add_through_page(coordinator_client, lists_url(statement_slug),
                                "spam.example", reason=" ")

    assert response.status_code == 400
    assert "Say why: the rest of the team will read it." in response.text


def test_adding_without_the_form_token_is_refused(app, coordinator_client, statement_slug):
    response = coordinator_client.post(lists_url(statement_slug), data={
        "list_kind": "block", "value": "spam.example", "reason": "r"})

    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ListEntry)) == 0


def test_another_team_gets_404_for_the_lists_and_their_entries(app, coordinator_client,
                                                              statement_slug):
    add_through_page(coordinator_client, lists_url(statement_slug), "spam.example")
    with app.app_context():
        import_example("other")
        create_coordinator_for("other@example.org", "other")
        entry_id = db.session.scalars(select(ListEntry.id)).one()
    stranger = app.test_client()
    sign_in(stranger, "other@example.org")
    token = csrf_token(stranger.get(lists_url("other")).text)

    assert stranger.get(lists_url(statement_slug)).status_code == 404
    assert stranger.post(lists_url(statement_slug), data={
        "list_kind": "block", "value": "x.example", "reason": "r",
        "csrf_token": token}).status_code == 404
    assert stranger.post(f"{lists_url(statement_slug)}/{entry_id}/remove",
                         data={"csrf_token": token}).status_code == 404
    # Its own list's page, which says that no such entry is on it.
    assert stranger.post(f"{lists_url('other')}/{entry_id}/remove",
                         data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ListEntry)) == 1


def test_the_instance_lists_are_for_admins_only(app, client, coordinator_client,
                                                statement_slug):
    assert coordinator_client.get("/coordinate/instance-lists").status_code == 404
    workspace = coordinator_client.get("/coordinate/")
    assert workspace.status_code == 200 and "Instance lists" not in workspace.text
    with app.app_context():
        create_coordinator_for("admin@example.org")
        db.session.scalars(select(Coordinator).where(
            Coordinator.email == "admin@example.org")).one().is_admin = True
        db.session.commit()
    admin = app.test_client()
    sign_in(admin, "admin@example.org")
    assert 'href="/coordinate/instance-lists">Instance lists' in admin.get("/coordinate/").text

    response = add_through_page(admin, "/coordinate/instance-lists", "flood.example")

    assert response.status_code == 302
    page = admin.get("/coordinate/instance-lists").text
    assert "flood.example" in page
    # The team sees the instance's entries on its own page, without a remove button.
    team_page = coordinator_client.get(lists_url(statement_slug)).text
    assert "flood.example" in team_page and "instance-lists/" not in team_page
    with app.app_context():
        entry_id = db.session.scalars(select(ListEntry.id)).one()
    assert coordinator_client.post(f"/coordinate/instance-lists/{entry_id}/remove", data={
        "csrf_token": csrf_token(team_page)}).status_code == 404
    # And it holds signatures on the statement.
    sign_from(client, statement_slug, "198.51.100.1",
              **{"person-email": "bot1@flood.example"})
    with app.app_context():
        assert db.session.scalars(select(IndividualSignature.status)).one() is \
            IndividualStatus.SUSPECTED


def test_a_team_sees_what_the_instance_blocks_but_not_whose_address_or_why(
        app, coordinator_client, statement_slug):
    with app.app_context():
        # An admin on the statement's team too.
        create_coordinator_for("admin@example.org", statement_slug, name="Instance Admin")
        db.session.scalars(select(Coordinator).where(
            Coordinator.email == "admin@example.org")).one().is_admin = True
        db.session.commit()
    admin = app.test_client()
    sign_in(admin, "admin@example.org")
    add_through_page(admin, "/coordinate/instance-lists", "stalker@example.net",
                     reason="Threatened a signer by e-mail")
    add_through_page(admin, "/coordinate/instance-lists", "flood.example")

    team_page = coordinator_client.get(lists_url(statement_slug)).text

    assert "flood.example" in team_page and "An e-mail address" in team_page
    for private in ("stalker@example.net", "Threatened a signer", "Flood on 3 March",
                    "Instance Admin"):
        assert private not in team_page, private
    # The admin, on the same page, sees the entries whole.
    admins_page = admin.get(lists_url(statement_slug)).text
    assert "stalker@example.net" in admins_page and "Threatened a signer" in admins_page


# --- The admin role, from the command line ---------------------------------------------


def is_admin(app: Flask, email: str) -> bool:
    with app.app_context():
        return db.session.scalars(select(Coordinator.is_admin).where(
            Coordinator.email == email)).one()


def test_the_command_line_makes_and_unmakes_admins(app):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["create-coordinator", "admin@example.org", "--name", "Admin",
                                  "--password", "correct horse battery staple", "--admin"])
    plain = runner.invoke(args=["create-coordinator", "plain@example.org", "--name", "Plain",
                                "--password", "correct horse battery staple"])
    assert created.exit_code == plain.exit_code == 0, created.output + plain.output
    assert is_admin(app, "admin@example.org") and not is_admin(app, "plain@example.org")

    made = runner.invoke(args=["make-admin", "Plain@Example.org"])
    assert made.exit_code == 0 and "plain@example.org is now an instance admin." in made.output
    assert is_admin(app, "plain@example.org")

    revoked = runner.invoke(args=["make-admin", "admin@example.org", "--revoke"])
    assert revoked.exit_code == 0 and "no longer" in revoked.output
    assert not is_admin(app, "admin@example.org")


@pytest.mark.parametrize("email", ["nobody@example.org", "not an address"])
def test_make_admin_says_when_there_is_no_such_coordinator(app, email):
    result = app.test_cli_runner().invoke(args=["make-admin", email])

    assert result.exit_code == 1
    assert "Error:" in result.output and "Traceback" not in result.output


def test_a_statement_without_lists_is_screened_without_asking_the_database(statements):
    first, _second, admin = statements
    blocked(first)  # learns that there is no list
    queries: list[str] = []

    def count(connection, cursor, statement, *args):
        queries.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert not blocked(first, "troll@example.org")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert queries == []

    entry(first, ListKind.BLOCK, "troll@example.org", admin)
    assert blocked(first, "troll@example.org"), "a new entry applies at once here"
