"""Block and allow lists: managed by a statement's team for that statement, and by
the instance's admins for every statement.

What an entry does:
- A submission whose e-mail address, e-mail domain (or a parent domain: a domain
  covers its subdomains) or client address (within an IP range) is on a block list
  is held as suspected (campaign.abuse.services), and the page says what it always
  says, so whoever is blocked learns nothing.
- An allow entry lifts a block on the same side: an allowed address or domain lifts
  a block of its domain, an allowed range a block of a wider range. The e-mail side
  and the network side are judged apart, so an allowed university network does not
  let a blocked address through, nor the reverse. A statement's allow entry lifts
  only its own blocks; the instance's lifts both.
- An allowed IP range (a university behind one NAT) is also exempt from the per-IP
  rate limit (`is_allowed_address`). An allowed address or domain is not: it is
  typed by whoever submits, the network is not.

An address entry is stored and compared as its mailbox (campaign.text.
canonical_email), so another spelling of a blocked Gmail address is blocked too.
Ranges are checked against the address of the live request; no raw address is stored.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError

from campaign.abuse.domains import domain_and_parents, email_domain, parse_domain
from campaign.abuse.models import EntryTarget, ListEntry, ListKind
from campaign.accounts.models import Coordinator
from campaign.extensions import db
from campaign.statements.models import Statement
from campaign.text import InvalidEmail, address_key, canonical_email, normalize_email

REASON_LENGTH = 500
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class ListError(Exception):
    """The entry cannot be added or removed as asked; the message says why."""


# --- Reading what a coordinator typed ------------------------------------------------


# The widest range an entry may be, by IP version: the largest blocks handed to one
# operator (an IPv4 /8, an IPv6 /16 of a registry). A wider one, like 0.0.0.0/0 or the
# correction suggested for "1.2.3.4/1", is a slip, not a network someone means.
WIDEST_PREFIX = {4: 8, 6: 16}
# IPv4 addresses written as IPv6 (::ffff:203.0.113.7).
IPV4_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")


def parse_ip_range(text: str) -> IPNetwork:
    """A CIDR range (a lone address is its own /32 or /128), IPv4 or IPv6; ListError
    saying what is wrong otherwise."""
    text = text.strip()
    try:
        return _unmapped(ipaddress.ip_network(text))
    except ValueError:
        pass
    try:
        network = _unmapped(ipaddress.ip_network(text, strict=False))
    except ValueError as error:
        raise ListError(_("“%(text)s” is not an IP range. Write it as an address and a "
                          "prefix length, such as 203.0.113.0/24 or 2001:db8::/48.",
                          text=text)) from error
    raise ListError(_("“%(text)s” has bits set after its prefix. Did you mean %(network)s?",
                      text=text, network=str(network)))


def _unmapped(network: IPNetwork) -> IPNetwork:
    """An IPv4-mapped range as the IPv4 range it is: clients are compared, and their
    networks kept, as IPv4 (`_client_ip`, campaign.abuse.clients), so the IPv6 spelling
    would match nobody."""
    if (isinstance(network, ipaddress.IPv6Network) and network.prefixlen >= 96
            and network.subnet_of(IPV4_MAPPED)):
        mapped = network.network_address.ipv4_mapped
        assert mapped is not None
        return ipaddress.IPv4Network((mapped, network.prefixlen - 96))
    return network


def _looks_like_an_ip_range(text: str) -> bool:
    return "/" in text or ":" in text or text.replace(".", "").isdigit()


def parse_entry(text: str) -> tuple[EntryTarget, str]:
    """An address has an @, a range looks like one, anything else is a domain; each
    in the form it is compared in."""
    text = text.strip()
    if not text:
        raise ListError(_("Enter an e-mail address, a domain or an IP range."))
    if "@" in text.lstrip("@"):
        try:
            return EntryTarget.EMAIL, canonical_email(normalize_email(text))
        except InvalidEmail as error:
            raise ListError(_("“%(text)s” is not a valid e-mail address.", text=text)) from error
    if _looks_like_an_ip_range(text):
        network = parse_ip_range(text)
        widest = WIDEST_PREFIX[network.version]
        if network.prefixlen < widest:
            raise ListError(_(
                "%(network)s is wider than any one network: blocked, most signers would "
                "be held without knowing it; allowed, the limits would stop nobody. "
                "Choose a /%(widest)d or narrower.", network=str(network), widest=widest))
        return EntryTarget.IP_RANGE, str(network)
    try:
        return EntryTarget.DOMAIN, parse_domain(text)
    except ValueError as error:
        raise ListError(str(error)) from error


# --- Managing the lists -----------------------------------------------------------------


def list_entries(statement: Statement | None) -> list[ListEntry]:
    """A statement's entries, or with None the instance's; newest first."""
    return list(db.session.scalars(
        select(ListEntry).where(_scope(statement))
        .order_by(ListEntry.list_kind, ListEntry.created_at.desc(), ListEntry.id.desc())))


def find_entry(statement: Statement | None, entry_id: int) -> ListEntry | None:
    return db.session.scalars(
        select(ListEntry).where(ListEntry.id == entry_id, _scope(statement))).one_or_none()


def add_entry(statement: Statement | None, kind: ListKind, text: str, reason: str, *,
              by: Coordinator) -> ListEntry:
    """Add to a statement's list, or with None to the instance's (admins only)."""
    if statement is None and not by.is_admin:
        raise ListError(_("Only an instance admin can change the instance's lists."))
    reason = reason.strip()
    if not reason:
        raise ListError(_("Say why: the rest of the team will read it."))
    if len(reason) > REASON_LENGTH:
        raise ListError(ngettext("Keep the reason under %(num)d character.",
                                 "Keep the reason under %(num)d characters.", REASON_LENGTH))
    target, value = parse_entry(text)
    entry = ListEntry(statement_id=statement.id if statement else None, list_kind=kind,
                      target=target, value=value, reason=reason, created_by_id=by.id)
    try:
        # The unique constraints decide, even between two coordinators adding it at once.
        with db.session.begin_nested():
            db.session.add(entry)
        forget_known_lists()
    except IntegrityError as error:
        raise ListError(_("%(value)s is already on this list.", value=value)) from error
    return entry


def remove_entry(entry: ListEntry, *, by: Coordinator) -> None:
    if entry.statement_id is None and not by.is_admin:
        raise ListError(_("Only an instance admin can change the instance's lists."))
    db.session.delete(entry)


def _scope(statement: Statement | None):
    if statement is None:
        return ListEntry.statement_id.is_(None)
    return ListEntry.statement_id == statement.id


# --- Checking a submission --------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    kind: ListKind
    target: EntryTarget
    value: str
    instance_wide: bool


def _entries_for(statement_id: int, email_values: Iterable[str]) -> list[_Entry]:
    """The entries that could match: every range (ranges cannot be matched in SQL on
    both databases) and the e-mail entries equal to one of the values. One small query
    on the signing path."""
    rows = db.session.execute(
        select(ListEntry.list_kind, ListEntry.target, ListEntry.value, ListEntry.statement_id)
        .where(or_(ListEntry.statement_id == statement_id, ListEntry.statement_id.is_(None)),
               or_(ListEntry.target == EntryTarget.IP_RANGE,
                   ListEntry.value.in_(list(email_values)))))
    return [_Entry(kind, target, value, statement_id is None)
            for kind, target, value, statement_id in rows]


def _client_ip(address: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _in_range(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, value: str) -> bool:
    network = ipaddress.ip_network(value)
    return ip.version == network.version and ip in network


def _side_blocked(matching: list[_Entry]) -> bool:
    blocked_here = [entry for entry in matching if entry.kind is ListKind.BLOCK]
    allowed_here = [entry for entry in matching if entry.kind is ListKind.ALLOW]
    allowed_by_instance = any(entry.instance_wide for entry in allowed_here)
    return any(
        not allowed_by_instance if entry.instance_wide else not allowed_here
        for entry in blocked_here)


@dataclass(frozen=True)
class Screening:
    """What the lists say of one submission."""

    blocked: bool
    # The client is in an allowed range: exempt from the per-IP rate limit.
    allowed_network: bool


# Most statements have no list at all, and the signing path should not pay a round trip
# to learn it: whether a statement (or the instance) has any entry is remembered in each
# process for this long. A first entry applies at once in the process that added it,
# and within these seconds in the others.
LISTS_KNOWN_FOR_SECONDS = 5.0
_has_entries: dict[int, tuple[float, bool]] = {}


def forget_known_lists() -> None:
    _has_entries.clear()


def _may_have_entries(statement_id: int) -> bool:
    now = time.monotonic()
    known = _has_entries.get(statement_id)
    if known is not None and now - known[0] < LISTS_KNOWN_FOR_SECONDS:
        return known[1]
    found = db.session.scalar(select(exists().where(
        or_(ListEntry.statement_id == statement_id, ListEntry.statement_id.is_(None)))))
    _has_entries[statement_id] = (now, bool(found))
    return bool(found)


def screen(statement_id: int, *, email: str | None, address: str | None) -> Screening:
    """The lists' verdict on a submission with this (normalized) e-mail, from this
    client address, to the statement; see the module's docstring for the rules. It is
    on the signing path: no query while the statement has no list (see
    `_may_have_entries`), one when it has."""
    if not _may_have_entries(statement_id):
        return Screening(blocked=False, allowed_network=False)
    email_values: list[str] = []
    if email:
        domain = email_domain(email)
        email_values = [address_key(email), *(domain_and_parents(domain) if domain else [])]
    entries = _entries_for(statement_id, email_values)
    if not entries:
        return Screening(blocked=False, allowed_network=False)
    ip = _client_ip(address)
    by_email = [entry for entry in entries if entry.target is not EntryTarget.IP_RANGE]
    by_network = [entry for entry in entries if entry.target is EntryTarget.IP_RANGE
                  and ip is not None and _in_range(ip, entry.value)]
    return Screening(
        blocked=_side_blocked(by_email) or _side_blocked(by_network),
        allowed_network=any(entry.kind is ListKind.ALLOW for entry in by_network))


def is_blocked(statement_id: int, *, email: str | None, address: str | None) -> bool:
    return screen(statement_id, email=email, address=address).blocked


def is_allowed_address(statement_id: int, address: str | None) -> bool:
    """Whether the client address is in an allowed range of the statement or the
    instance: such a client is exempt from the per-IP rate limit."""
    return screen(statement_id, email=None, address=address).allowed_network
