"""Text every area takes from people: e-mail addresses, countries, names."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import cache, lru_cache

import pycountry
import pyuca
from babel import Locale
from email_validator import EmailNotValidError, ValidatedEmail, validate_email
from flask_babel import get_locale


class InvalidEmail(ValueError):
    pass


class UndeliverableEmail(InvalidEmail):
    """A well-formed address we cannot send to: its local part (before the @) has
    letters outside ASCII, which needs SMTPUTF8 from every server on the way. We
    refuse it rather than take a signature that can never be confirmed."""


# Mailboxes known to ignore dots in the local part, and the one name they answer to.
_DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


# One signature reads its address up to four times (the form, the stored form, the
# mailbox, the domain); email-validator's parse is the costly part, so it is done once.
@lru_cache(maxsize=1024)
def _validated(address: str) -> ValidatedEmail:
    try:
        result = validate_email(address.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidEmail(str(error)) from error
    if result.smtputf8:
        raise UndeliverableEmail(address)
    return result


def normalize_email(address: str) -> str:
    """The form of an address we store and mail: normalized by email-validator (an
    internationalized domain in its Unicode form), then lower-cased, so that
    Jane@Example.org and jane@example.org are one signer."""
    return _validated(address).normalized.lower()


def canonical_email(address: str) -> str:
    """The mailbox an address reaches, for finding duplicates, never for mailing:
    lower-cased, the domain in its ASCII (IDNA) form, a "+tag" dropped, and for
    Gmail the dots of the local part dropped and googlemail.com read as gmail.com.
    So j.ane+petition@GoogleMail.com and jane@gmail.com are one signer."""
    result = _validated(address)
    local, domain = result.local_part.lower(), result.ascii_domain.lower()
    untagged = local.split("+", 1)[0]
    local = untagged or local
    if domain in _DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), _DOTLESS_DOMAINS[domain]
    return f"{local}@{domain}"


def address_key(address: str) -> str:
    """What a stored address is compared by: its canonical form, or the value itself
    when it is no address any more (retention replaces erased ones with a marker)."""
    try:
        return canonical_email(address)
    except InvalidEmail:
        return address


def ascii_address(address: str) -> str:
    """The address as an SMTP envelope needs it: an internationalized domain in its
    ASCII form, by IDNA 2008 as email-validator checked it (Python's own "idna"
    codec is IDNA 2003, which sends straße.de's mail to strasse.de). Anything that
    is not a deliverable address is returned as it is, for the sender to refuse."""
    try:
        return _validated(address).ascii_email or address
    except InvalidEmail:
        return address


def ascii_form_to_check(address: str) -> str | None:
    """The ASCII form of an address whose domain is not plain ASCII, for a coordinator
    to read beside it before mail goes there: "undersіgned.org" with a Cyrillic "і"
    looks like the Latin one, "xn--undersgned-22i.org" does not. None when the address
    is its own ASCII form (or no address at all)."""
    if address.isascii():
        return None
    sent = ascii_address(address)
    return sent if sent != address and sent.isascii() else None


# Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069). A
# name that opens one and never closes it reverses whatever follows it: the next
# signers' names on the statement's page, the rest of a line in a letter to a
# government. No name needs one; pages show each name isolated in its own direction.
# A pattern rather than str.translate, which looks every character up in a table:
# 0.3 against 1.1 µs for a name, on every signature.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def without_bidi_controls(text: str) -> str:
    return _BIDI_CONTROLS.sub("", text)


def normalize_name(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", without_bidi_controls(name)).split())


def name_key(name: str) -> str:
    """An organization's name folded for comparison ("ZMINA " and "Zmina" match)."""
    return normalize_name(name).casefold()


@cache
def _collator() -> pyuca.Collator:
    return pyuca.Collator()


def collation_key(text: str) -> tuple[int, ...]:
    """Sorts text as a reader of any language expects (see _country_names_in)."""
    return _collator().sort_key(text.casefold())


@cache
def _country_names_in(language: str) -> dict[str, str]:
    # English names from pycountry (its common names: "Bolivia", not "Bolivia,
    # Plurinational State of"); other languages' from Babel's CLDR data. Sorted by the
    # Unicode Collation Algorithm, which puts "Åland" among the A's and orders the
    # Ukrainian alphabet (г ґ, е є, и і) as a reader expects, where sorting by code
    # point would put є, і, ї and ґ after я.
    territories = Locale.parse(language).territories
    names = {
        country.alpha_2: (getattr(country, "common_name", None) or country.name
                          if language == "en" else
                          territories.get(country.alpha_2) or country.name)
        for country in pycountry.countries
    }
    key = _collator().sort_key
    return dict(sorted(names.items(), key=lambda item: key(item[1])))


def country_names() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code to the name people use in the reader's language, sorted
    by that name; the same codes in every language."""
    locale = get_locale()
    return _country_names_in(locale.language if locale else "en")


def country_name(code: str | None) -> str:
    return country_names().get(code or "", "")


# Not text people type, but kept with it: every area that stores a link's token
# stores this.
def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
