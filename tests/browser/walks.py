"""What the browser tier's fixtures hand to walks: the record of the requests the
pages made, and the mailbox of the SMTP server in the test process."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import getaddresses
from urllib.parse import urlsplit

from playwright.sync_api import Locator

from tests.conftest import RecordingSMTPHandler
from tests.support import confirmation_link, wait_for


def _is_same_origin(url: str, origin: str) -> bool:
    if url.startswith(("data:", "about:")):
        return True
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" == origin


class RequestLog:
    """Every request the test's browser contexts made, in order."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.urls: list[str] = []

    def foreign(self) -> list[str]:
        """The requests that went to another origin than the live server."""
        return [url for url in self.urls if not _is_same_origin(url, self.origin)]


class Mailbox:
    """The messages the SMTP server of the test process received."""

    def __init__(self, handler: RecordingSMTPHandler) -> None:
        self.handler = handler

    def to(self, address: str) -> list[EmailMessage]:
        """The messages to `address`, in the order they arrived."""
        return [message for message in list(self.handler.messages)
                if address.lower() in {found.lower() for _, found in
                                       getaddresses(message.get_all("To", []))}]

    def wait_for(self, address: str, *, count: int = 1, timeout: float = 30.0) -> EmailMessage:
        """The `count`-th message to `address`, once it has arrived."""
        received = wait_for(lambda: self.to(address)[count - 1:], timeout=timeout,
                            what=f"e-mail no. {count} to {address}")
        return received[0]

    def confirmation_link(self, address: str, *, count: int = 1) -> str:
        return confirmation_link(self.wait_for(address, count=count))


def cosign(form: Locator, organization: str, contact: str) -> None:
    """Fill the co-sign form as an organization's representative does, and send it."""
    form.get_by_label("Organization name").fill(organization)
    form.get_by_label("Country").select_option(label="Ukraine")
    form.get_by_label("Type of organization").select_option(label="Non-governmental organization")
    form.get_by_label("Website (optional)").fill("https://solidarity.example.org")
    form.get_by_label("Contact person").fill("Iryna Shevchenko")
    form.get_by_label("Contact e-mail address").fill(contact)
    form.get_by_label("I am authorized to sign this statement on behalf of this organization"
                      ).check()
    form.get_by_role("button", name="Co-sign").click()
