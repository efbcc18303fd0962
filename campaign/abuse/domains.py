"""E-mail domains as the abuse defences compare them: lower-cased, in ASCII (IDNA), so
that "Приклад.укр" typed on a form and "xn--80aikifvh.xn--j1amh" in a list are one
domain."""

from __future__ import annotations

import idna
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _


def email_domain(address: str) -> str | None:
    """The domain of an address already normalized by the signing form; None if it
    has none. Cheap for the common ASCII case: it runs on every signature."""
    _, at, domain = address.rpartition("@")
    if not at or not domain:
        return None
    domain = domain.lower()
    if domain.isascii():
        return domain
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError:
        return domain


def parse_domain(text: str) -> str:
    """A domain a coordinator typed (forgiving "@example.org" or "*.example.org"), in
    the form `email_domain` gives; ValueError with a message fit to show otherwise."""
    domain = text.strip().removeprefix("@").removeprefix("*.").rstrip(".")
    try:
        # The same rules as for the domain of an address a signer may use.
        return validate_email(f"x@{domain}", check_deliverability=False).ascii_domain.lower()
    except EmailNotValidError as error:
        raise ValueError(_("“%(text)s” is not a domain name such as example.org.",
                           text=text.strip())) from error


def domain_and_parents(domain: str) -> list[str]:
    """mx1.spam.example → mx1.spam.example, spam.example: the entries that cover it
    (a domain covers its subdomains; a bare top-level domain is never an entry)."""
    labels = domain.split(".")
    return [".".join(labels[index:]) for index in range(len(labels) - 1)]
