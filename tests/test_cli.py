"""The coordinator's commands: importing a statement and approving organizations."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from campaign.extensions import db
from campaign.outbox.models import OutboxMessage
from campaign.signing.models import OrganizationSignature, OrganizationStatus, OrganizationType
from campaign.signing.services import (
    OrganizationSignatureRequest,
    confirm_signature,
    sign_for_organization,
)
from campaign.statements.models import Statement, StatementStatus
from campaign.statements.services import get_statement
from tests.conftest import EXAMPLE, SERVER_NAME


def run_cli(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def import_crimea(app, *options: str):
    return run_cli(app, "import-statement", str(EXAMPLE), "--slug", "crimea", *options)


def statements(app) -> list[tuple[str, StatementStatus]]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(select(Statement.slug, Statement.status))]


def organization_request(name: str, email: str) -> OrganizationSignatureRequest:
    return OrganizationSignatureRequest(
        name=name, country="UA", organization_type=OrganizationType.NGO,
        website="https://solidarity.example.org", contact_name="Iryna Shevchenko",
        contact_email=email, authorized_to_sign=True)


def test_import_statement_prints_a_summary_and_the_url_and_stores_it_published(app):
    result = import_crimea(app, "--publish")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "3 groups of demands (3, 5, 4 demands):" in lines
    assert "  Group 3, to President of Ukraine; Parliament of Ukraine; Ministry for " \
        "Reintegration of Temporarily Occupied Territories of Ukraine; Prosecutor’s Office " \
        "of the Autonomous Republic of Crimea and Sevastopol City: 4 demands." in lines
    assert "12 signatories." in lines
    for furniture in ("Generic selectors", "Exact matches only", "Search in title",
                      "Search in content", "Post Type Selectors", "Scroll to Top"):
        assert f'  "{furniture}"' in lines
    assert lines[-1] == f"Published: http://{SERVER_NAME}/s/crimea"
    assert statements(app) == [("crimea", StatementStatus.PUBLISHED)]
    with app.app_context():
        statement = get_statement("crimea")
        assert [len(group.demands) for group in statement.demand_groups] == [3, 5, 4]


def test_import_statement_prints_the_readings_warnings_first(app, tmp_path):
    letter = tmp_path / "letter.txt"
    letter.write_text("An open letter\n\nWe are worried about the law.\n", encoding="utf-8")

    result = run_cli(app, "import-statement", str(letter), "--slug", "letter")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:2] == ["Warning: No demands were recognised, and so no addressees.",
                         "Warning: No signatories were recognised."]
    assert "Title: An open letter" in lines


def test_import_statement_refuses_a_name_longer_than_its_column_clearly(app, tmp_path):
    letter = tmp_path / "letter.txt"
    letter.write_text("Free them\n\nWe call on " + "the Committee " * 30 + "to:\n\n"
                      "- release all political prisoners.\n\nHuman Rights Center ZMINA\n",
                      encoding="utf-8")

    result = run_cli(app, "import-statement", str(letter), "--slug", "letter")

    assert result.exit_code == 1, result.output
    assert ("Error: An addressee's name in group 1 of demands is longer than 300 characters"
            in result.output)
    assert statements(app) == []


UKRAINIAN = Path(__file__).resolve().parent / "drafting" / "import_corpus" / (
    "uk-crimea-platform-2022.txt")


def test_import_statement_refuses_a_file_not_saved_as_utf8_saying_how_to_save_it(
        app, tmp_path):
    # Windows Notepad long saved Ukrainian text in Windows-1251.
    notepad = tmp_path / "zaiava.txt"
    notepad.write_bytes(UKRAINIAN.read_text(encoding="utf-8").encode("cp1251"))

    result = run_cli(app, "import-statement", str(notepad), "--slug", "zaiava")

    assert result.exit_code == 1, result.output
    assert f"Error: {notepad} is not saved as UTF-8" in result.output
    assert "save it again with the encoding UTF-8" in result.output
    # Refused by click (which exits), not crashed on the decoding error.
    assert isinstance(result.exception, SystemExit)
    assert statements(app) == []


def test_import_statement_reads_utf8_with_the_byte_order_mark_notepad_writes(app, tmp_path):
    notepad = tmp_path / "zaiava.txt"
    notepad.write_bytes(UKRAINIAN.read_text(encoding="utf-8").encode("utf-8-sig"))

    result = run_cli(app, "import-statement", str(notepad), "--slug", "zaiava")

    assert result.exit_code == 0, result.output
    with app.app_context():
        assert not get_statement("zaiava").title.startswith("\ufeff")


def test_import_statement_without_publish_keeps_a_draft(app, client):
    result = import_crimea(app)

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == f"Saved as a draft: http://{SERVER_NAME}/s/crimea"
    assert statements(app) == [("crimea", StatementStatus.DRAFT)]
    assert client.get("/s/crimea").status_code == 404


def test_importing_again_under_a_taken_slug_fails_clearly_unless_told_to_skip(app):
    assert import_crimea(app, "--publish").exit_code == 0

    again = import_crimea(app, "--publish")

    assert again.exit_code != 0
    assert "A statement with the slug “crimea” already exists." in again.output
    assert statements(app) == [("crimea", StatementStatus.PUBLISHED)]

    skipped = import_crimea(app, "--publish", "--skip-existing")

    assert skipped.exit_code == 0, skipped.output
    assert "exists already; nothing imported" in skipped.output
    assert statements(app) == [("crimea", StatementStatus.PUBLISHED)]


def test_approve_organization_without_a_name_lists_those_awaiting_approval(app):
    assert import_crimea(app, "--publish").exit_code == 0
    with app.app_context():
        statement = get_statement("crimea")
        sign_for_organization(statement, organization_request(
            "Kharkiv Solidarity Network", "iryna@solidarity.example.org"))
        db.session.commit()
        token = db.session.scalars(select(OutboxMessage)).one().context["token"]
        confirm_signature(token)
        # Another one has not confirmed by e-mail yet: nothing to approve.
        sign_for_organization(statement, organization_request(
            "Odesa Legal Aid", "contact@legalaid.example.org"))
        db.session.commit()

    result = run_cli(app, "approve-organization", "crimea")

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Kharkiv Solidarity Network (UA, https://solidarity.example.org), "
        "contact: Iryna Shevchenko <iryna@solidarity.example.org>"]

    approved = run_cli(app, "approve-organization", "crimea", "Kharkiv Solidarity Network")
    assert approved.exit_code == 0, approved.output
    after = run_cli(app, "approve-organization", "crimea")
    assert after.output.splitlines() == ["No organization is awaiting approval."]


def test_approving_by_a_name_that_several_contacts_sent_names_them_and_approves_none(app):
    assert import_crimea(app, "--publish").exit_code == 0
    with app.app_context():
        statement = get_statement("crimea")
        for contact in ("iryna@solidarity.example.org", "mallory@example.net"):
            sign_for_organization(statement, organization_request(
                "Kharkiv Solidarity Network", contact))
            db.session.commit()
            confirm_signature(db.session.scalars(select(OutboxMessage).where(
                OutboxMessage.to_address == contact)).one().context["token"])
            db.session.commit()

    result = run_cli(app, "approve-organization", "crimea", "Kharkiv Solidarity Network")

    assert result.exit_code != 0
    assert ("2 co-signatures named 'Kharkiv Solidarity Network' await approval (contacts: "
            "iryna@solidarity.example.org, mallory@example.net)") in result.output
    with app.app_context():
        assert db.session.scalars(select(OrganizationSignature.status).where(
            OrganizationSignature.founding.is_(False))).all() == [
                OrganizationStatus.AWAITING_APPROVAL] * 2


def test_approve_organization_refuses_unknown_statement_or_organization(app):
    assert import_crimea(app, "--publish").exit_code == 0

    unknown_statement = run_cli(app, "approve-organization", "nope")
    unknown_organization = run_cli(app, "approve-organization", "crimea", "Nobody Inc")

    assert unknown_statement.exit_code != 0
    assert "No statement has the slug 'nope'." in unknown_statement.output
    assert unknown_organization.exit_code != 0
    assert ("No organization named 'Nobody Inc' awaits approval on 'crimea'."
            in unknown_organization.output)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
