"""Command-line tasks: `flask --app campaign <command>`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, url_for
from flask.cli import with_appcontext

from campaign.accounts.services import (
    AccountError,
    add_to_team,
    create_coordinator,
    find_coordinator,
)
from campaign.drafting.importer import StatementTextError, parse_statement
from campaign.drafting.services import create_statement_from_text
from campaign.extensions import db
from campaign.moderation.services import (
    ModerationError,
    approve_organization,
    organizations_awaiting_approval,
    organizations_awaiting_approval_named,
)
from campaign.statements.models import StatementError, StatementIncomplete
from campaign.statements.services import get_statement
from campaign.text import InvalidEmail


def _utf8_text(file: Path) -> str:
    """The file's text, read as UTF-8 (with or without the byte order mark Windows
    Notepad writes). Another encoding is refused rather than guessed: Windows-1251 and
    KOI8-U read each other's Cyrillic bytes as other letters, without an error."""
    try:
        return file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise click.ClickException(
            f"{file} is not saved as UTF-8 (byte {error.start} cannot be read as UTF-8), "
            "so its text cannot be read safely. Open it in a text editor and save it again "
            "with the encoding UTF-8 (in Windows Notepad: File, Save As, Encoding: UTF-8), "
            "then import it again.") from error


@click.command("import-statement")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--slug", help="The statement's address: /s/SLUG. Made from the title if omitted.")
@click.option("--publish", is_flag=True, help="Publish at once instead of keeping a draft.")
@click.option("--skip-existing", is_flag=True,
              help="Succeed without importing when the slug is taken (for scripts).")
@with_appcontext
def import_statement_command(file: Path, slug: str | None, publish: bool,
                             skip_existing: bool) -> None:
    """Create a statement from text pasted from a web page (a UTF-8 text file)."""
    try:
        parsed = parse_statement(_utf8_text(file))
    except StatementTextError as error:
        raise click.ClickException(str(error)) from error
    if skip_existing and slug and get_statement(slug) is not None:
        click.echo(f"A statement with the slug {slug!r} exists already; nothing imported.")
        return
    # What the reading did not understand, first, as the web page shows it.
    for warning in parsed.warnings:
        click.echo(f"Warning: {warning}")
    click.echo(parsed.summary())
    try:
        statement = create_statement_from_text(parsed, slug=slug, publish=publish)
    except StatementIncomplete as error:
        # The messages the web page shows when publishing is refused.
        raise click.ClickException("\n".join(
            ["Not published, and nothing saved: the statement lacks what publishing needs."]
            + [f"- {problem.message}" for problem in error.problems]
            + ["Import it without --publish, correct the draft, then publish it."])) from error
    except StatementError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    state = "Published" if publish else "Saved as a draft"
    click.echo(f"{state}: {url_for('statements.show', slug=statement.slug, _external=True)}")


@click.command("approve-organization")
@click.argument("slug")
@click.argument("name", required=False)
@with_appcontext
def approve_organization_command(slug: str, name: str | None) -> None:
    """Approve a confirmed organization so that it appears on the statement.

    Without NAME, list the organizations awaiting approval.
    """
    statement = get_statement(slug)
    if statement is None:
        raise click.ClickException(f"No statement has the slug {slug!r}.")
    if name is None:
        waiting = organizations_awaiting_approval(statement)
        if not waiting:
            click.echo("No organization is awaiting approval.")
        for organization in waiting:
            click.echo(f"{organization.name} ({organization.country}, "
                       f"{organization.website or 'no website'}), "
                       f"contact: {organization.contact_name} <{organization.contact_email}>")
        return
    named = organizations_awaiting_approval_named(statement, name)
    if not named:
        raise click.ClickException(f"No organization named {name!r} awaits approval on "
                                   f"{slug!r}.")
    if len(named) > 1:
        contacts = ", ".join(str(organization.contact_email) for organization in named)
        raise click.ClickException(
            f"{len(named)} co-signatures named {name!r} await approval (contacts: "
            f"{contacts}): approve one on the statement's organizations page.")
    [organization] = named
    try:
        approve_organization(organization, by=None)
    except ModerationError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Approved: {organization.name} now appears on the statement.")


@click.command("create-coordinator")
@click.argument("email")
@click.option("--name", prompt="Name", help="The coordinator's name, as the team sees it.")
@click.password_option(help="At least 10 characters; asked for when omitted.")
@click.option("--statement", "slugs", multiple=True, metavar="SLUG",
              help="Put the coordinator on this statement's team (repeatable).")
@click.option("--admin", is_flag=True,
              help="Make the coordinator an instance admin (instance-wide block lists).")
@with_appcontext
def create_coordinator_command(email: str, name: str, password: str,
                               slugs: tuple[str, ...], admin: bool) -> None:
    """Create a coordinator account (the first one, or any other)."""
    statements = []
    for slug in slugs:
        statement = get_statement(slug)
        if statement is None:
            raise click.ClickException(f"No statement has the slug {slug!r}.")
        statements.append(statement)
    try:
        coordinator = create_coordinator(email, name, password)
    except (AccountError, InvalidEmail) as error:
        raise click.ClickException(str(error)) from error
    for statement in statements:
        add_to_team(statement, coordinator)
    coordinator.is_admin = admin
    db.session.commit()
    click.echo(f"Created {coordinator.email}; sign in at "
               f"{url_for('accounts.sign_in', _external=True)}")


@click.command("make-admin")
@click.argument("email")
@click.option("--revoke", is_flag=True, help="Take the admin role away instead.")
@with_appcontext
def make_admin_command(email: str, revoke: bool) -> None:
    """Make a coordinator an instance admin, who manages the instance-wide block and
    allow lists (or, with --revoke, no longer)."""
    try:
        coordinator = find_coordinator(email)
    except InvalidEmail as error:
        raise click.ClickException(str(error)) from error
    if coordinator is None:
        raise click.ClickException(f"No coordinator has the address {email!r}.")
    coordinator.is_admin = not revoke
    db.session.commit()
    click.echo(f"{coordinator.email} is {'no longer' if revoke else 'now'} an instance admin.")


def register_commands(app: Flask) -> None:
    app.cli.add_command(create_coordinator_command)
    app.cli.add_command(import_statement_command)
    app.cli.add_command(approve_organization_command)
    app.cli.add_command(make_admin_command)
