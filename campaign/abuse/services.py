"""The abuse defences' decisions about a submission of a public form.

A signature over the limits is not refused but held (see `hold_reason_for`): stored as
suspected, not counted, not mailed, until a coordinator releases or invalidates it.
The page says "check your e-mail" either way, so whoever floods the form learns
nothing from it, and a real signer caught in the flood loses nothing.
"""

from __future__ import annotations

import functools
import logging
import weakref
from dataclasses import dataclass, field

from flask import current_app
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import RedisClusterStorage, RedisStorage
from redis.commands.core import Script
from redis.exceptions import RedisClusterException, RedisError

from campaign.abuse.clients import address_hash, client_address, counted_as, network_prefix
from campaign.abuse.lists import screen
from campaign.abuse.models import HoldReason
from campaign.extensions import limiter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Client:
    """Who submitted a form, as far as the defences need to know."""

    address: str
    # The form's trap field (see campaign.signing.forms.Honeypot) was filled in: no
    # person sees it, so a program did.
    honeypot_filled: bool = False
    # What hold_reason_for decided for this submission, so that asking twice (the
    # quick path, then the full one) counts it against the limits once.
    verdicts: dict[tuple[int, str, str], HoldReason | None] = field(
        default_factory=dict, compare=False, repr=False)

    @classmethod
    def of_request(cls, *, honeypot_filled: bool = False) -> Client:
        return cls(client_address(), honeypot_filled)

    def trace(self) -> dict[str, str]:
        """What a signature keeps of its client (the columns of ClientTrace): never the
        address itself."""
        return {"ip_hash": address_hash(self.address), "ip_prefix": network_prefix(self.address)}


def hold_reason_for(statement_id: int, *, form: str, client: Client | None,
                    email: str) -> HoldReason | None:
    """Why a signature submitted now on this statement must be held as suspected, or
    None to let it through. ``form`` names the kind of signature (its table), counted
    apart from the other. ``client`` is None when the signature does not come from a
    public form (the command line, an import): nothing to hold. ``email`` is the
    address the confirmation would go to.

    The one place that decides. Checks go cheapest first, and a submission is counted
    against the limits only when nothing else already holds it; the limits are counted
    per address and statement and per form, so someone who signs and then co-signs
    for their organization is not held. The block and allow lists (campaign.abuse.lists)
    are read before the limits: a blocked address, domain or range holds with
    BLOCK_LIST, and an allowed range is never counted against the limits."""
    if client is None:
        return None
    key = (statement_id, form, email)
    if key not in client.verdicts:
        client.verdicts[key] = _hold_reason(statement_id, form, client, email)
    return client.verdicts[key]


def _hold_reason(statement_id: int, form: str, client: Client, email: str) -> HoldReason | None:
    if client.honeypot_filled:
        return HoldReason.HONEYPOT
    screening = screen(statement_id, email=email, address=client.address)
    if screening.blocked:
        return HoldReason.BLOCK_LIST
    if not screening.allowed_network and _over_signing_limit(statement_id, form, client):
        return HoldReason.RATE_LIMIT
    return None


def _over_signing_limit(statement_id: int, form: str, client: Client) -> bool:
    """Count this submission in every window and say whether any is now over; a
    storage that cannot be reached holds nothing."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return False
    keys = ("signing", form, str(statement_id), address_hash(counted_as(client.address)))
    limits = windows(current_app.config["SIGNING_RATE_LIMIT"])
    storage = limiter.storage
    try:
        # A cluster keeps the windows' keys in different slots, which one script call
        # cannot reach: there each window is counted on its own, by the library.
        if isinstance(storage, RedisStorage) and not isinstance(storage, RedisClusterStorage):
            counts = _count_in_one_round_trip(storage, limits, keys)
        else:
            counts = [storage.incr(window.key_for(*keys), window.get_expiry())
                      for window in limits]
    except (StorageError, RedisError, RedisClusterException):
        log.warning("rate limit storage unreachable; signature let through unchecked",
                    exc_info=True)
        return False
    return any(count > window.amount for count, window in zip(counts, limits, strict=True))


def _count_in_one_round_trip(storage: RedisStorage, limits: tuple[RateLimitItem, ...],
                             keys: tuple[str, ...]) -> list[int]:
    """What the limits library's fixed windows do (`RedisStorage.incr`: the counter
    incremented, given its expiry when it has none, on the same keys), for every window
    in one script call rather than one per window: on the signing path each round trip
    to Redis cost more than the database's (bench/RESULTS.md). One call rather than a
    pipeline of INCR and EXPIRE per window, which took redis-py half as long again to
    pack and parse."""
    counted = _counting_script(storage)(
        keys=[storage.prefixed_key(window.key_for(*keys)) for window in limits],
        args=[window.get_expiry() for window in limits])
    return [int(count) for count in counted]


_COUNT_IN_EVERY_WINDOW = """
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('INCR', key)
  redis.call('EXPIRE', key, ARGV[i], 'NX')
end
return counts
"""


# Per storage, for as long as its application keeps it (a Script holds its Redis
# client, so keyed by the client an entry would keep its own key alive).
_counting_scripts: weakref.WeakKeyDictionary[RedisStorage, Script] = weakref.WeakKeyDictionary()


def _counting_script(storage: RedisStorage) -> Script:
    # redis-py's Script sends the script's hash, and the script itself only when the
    # server does not know it (a restarted Redis): one round trip as a rule.
    script = _counting_scripts.get(storage)
    if script is None:
        script = _counting_scripts[storage] = storage.storage.register_script(
            _COUNT_IN_EVERY_WINDOW)
    return script


@functools.cache
def windows(limits: str) -> tuple[RateLimitItem, ...]:
    """The windows of a limit setting such as "1 per minute;5 per 5 minutes"."""
    return tuple(parse_many(limits))
