"""The signer's page against what another request commits meanwhile: the signer's own
confirmation in another tab, or the same button pressed twice. The count must stay
the number of signatures that count."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

from flask import Flask
from sqlalchemy import select

from campaign.extensions import db
from campaign.signing.models import IndividualSignature
from tests.public.test_signer_page import EMAIL, sign_and_confirm, signer_page_link, the_signature
from tests.public.test_signing_pages import (
    counts_line,
    link_in_latest_mail_to,
    sign,
    statement_page,
)
from tests.support import committed_meanwhile, csrf_token


def after_the_page_loaded_the_signature() -> Callable[[str], bool]:
    """The moment after the request read the signature by its link: the next statement
    about signatures (the view's load is the first)."""
    seen: list[str] = []

    def at(sql: str) -> bool:
        if "individual_signature" in sql:
            seen.append(sql)
        return len(seen) >= 2

    return at


@contextmanager
def committed_after_the_load(app: Flask, *sql: str) -> Iterator[list[list[str]]]:
    """Each statement of SQL committed by another request just after this one loaded
    the signature (one statement at a time: SQLite runs no more)."""
    with ExitStack() as stack:
        yield [stack.enter_context(committed_meanwhile(
            app, one, at=after_the_page_loaded_the_signature())) for one in sql]


def signature_id(app: Flask) -> int:
    with app.app_context():
        return db.session.scalars(select(IndividualSignature.id)).one()


def tally_changed_by(delta: int) -> str:
    return (f"UPDATE signature_tally SET count = count + {delta} "
            "WHERE kind = 'individuals' AND shard = 0")


def confirmed_elsewhere(app: Flask) -> tuple[str, str]:
    """What the confirmation, pressed in another tab, commits."""
    return (f"UPDATE individual_signature SET status = 'confirmed', "
            f"confirmed_at = CURRENT_TIMESTAMP, confirmation_token_hash = NULL "
            f"WHERE id = {signature_id(app)}", tally_changed_by(1))


def erased_elsewhere(app: Flask, *, counted: bool) -> tuple[str, ...]:
    """What erasing, pressed in another tab, commits."""
    return (f"DELETE FROM individual_signature WHERE id = {signature_id(app)}",
            *((tally_changed_by(-1),) if counted else ()))


def press_meanwhile(app: Flask, client, link: str, action: str, *sql: str):
    token = csrf_token(client.get(f"{link}/{action}").text)
    with committed_after_the_load(app, *sql) as ran:
        response = client.post(f"{link}/{action}", data={"csrf_token": token},
                               follow_redirects=True)
    assert all(ran)
    return response


def test_withdrawing_as_the_signature_is_confirmed_in_another_tab_leaves_it_uncounted(
        app, client, mail_dir, statement_slug):
    sign(client, statement_slug)
    link_in_latest_mail_to(app, mail_dir, EMAIL)
    link = signer_page_link(app, mail_dir)

    response = press_meanwhile(app, client, link, "withdraw", *confirmed_elsewhere(app))

    assert "Your signature is withdrawn" in response.text
    assert "0 individuals have signed" in counts_line(statement_page(client, statement_slug))
    assert the_signature(app).status.value == "withdrawn"


def test_erasing_as_the_signature_is_confirmed_in_another_tab_leaves_it_uncounted(
        app, client, mail_dir, statement_slug):
    sign(client, statement_slug)
    link_in_latest_mail_to(app, mail_dir, EMAIL)
    link = signer_page_link(app, mail_dir)

    response = press_meanwhile(app, client, link, "erase", *confirmed_elsewhere(app))

    assert "Your signature and your details are erased" in response.text
    assert "0 individuals have signed" in counts_line(statement_page(client, statement_slug))
    assert the_signature(app) is None


def test_erasing_twice_at_once_takes_the_signature_off_the_count_once(
        app, client, mail_dir, statement_slug):
    sign_and_confirm(app, client, mail_dir, statement_slug)
    link = signer_page_link(app, mail_dir)
    assert "1 individual has signed" in counts_line(statement_page(client, statement_slug))

    response = press_meanwhile(app, client, link, "erase",
                               *erased_elsewhere(app, counted=True))

    assert response.status_code == 200
    assert "Your signature and your details are erased" in response.text
    assert "0 individuals have signed" in counts_line(statement_page(client, statement_slug))


def test_withdrawing_as_the_signature_is_erased_in_another_tab_says_so(
        app, client, mail_dir, statement_slug):
    sign_and_confirm(app, client, mail_dir, statement_slug)
    link = signer_page_link(app, mail_dir)

    response = press_meanwhile(app, client, link, "withdraw",
                               *erased_elsewhere(app, counted=True))

    assert response.status_code < 500
    assert "Your signature is erased: there is nothing left to withdraw." in response.text
