"""Normalizing what signers type: e-mail addresses, countries, names."""

from __future__ import annotations

import unicodedata
from functools import cache

import pycountry
from email_validator import EmailNotValidError, validate_email


class InvalidEmail(ValueError):
    pass


def normalize_email(address: str) -> str:
    """The form of an address we store and compare: normalized by email-validator,
    then lower-cased, so that Jane@Example.org and jane@example.org are one signer."""
    try:
        result = validate_email(address.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidEmail(str(error)) from error
    return result.normalized.lower()


def normalize_name(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).split())


def name_key(name: str) -> str:
    """An organization's name folded for comparison ("ZMINA " and "Zmina" match)."""
    return normalize_name(name).casefold()


@cache
def country_names() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code to the name people use, sorted by that name."""
    names = {
        country.alpha_2: getattr(country, "common_name", None) or country.name
        for country in pycountry.countries
    }
    return dict(sorted(names.items(), key=lambda item: unicodedata.normalize("NFKD", item[1])))


def country_name(code: str | None) -> str:
    return country_names().get(code or "", "")
