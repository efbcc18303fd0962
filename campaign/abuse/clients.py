"""Who is asking, as far as the abuse defences need to know it.

An IP address is personal data, and a signer at risk may be identified by it. It is
never stored: the rate limits key on a keyed hash of it, and what a coordinator sees
of it (the trending view) is its network prefix, a /24 or a /48, which names a
provider or an institution rather than a household.

The limits count an IPv6 client by its /64, not its address: a provider gives each
subscriber (a home, a rented server) at least a /64, whose 2^64 addresses are all
theirs to use, so counting addresses would let one machine sign without limit. People
sharing a /64 (a campus, a café) share the limit, as people behind one IPv4 address do.
"""

from __future__ import annotations

import ipaddress
import logging

from flask import current_app, has_request_context, request

from campaign.security import keyed_digest

UNKNOWN_ADDRESS = "0.0.0.0"

log = logging.getLogger(__name__)
_PROXY_WARNED = "undersigned.untrusted-proxy-warned"


def client_address() -> str:
    """The client's address. Behind a reverse proxy this is right only because
    create_app trusts exactly TRUSTED_PROXY_COUNT hops of X-Forwarded-For (ProxyFix):
    the first hop of that header is whatever the client wrote there."""
    if not has_request_context():
        return UNKNOWN_ADDRESS
    if ("HTTP_X_FORWARDED_FOR" in request.environ
            and not current_app.config["TRUSTED_PROXY_COUNT"]
            and not current_app.extensions.get(_PROXY_WARNED)):
        # Behind a proxy the setting forgot, every client is the proxy to the limits:
        # after the first signer each minute, everyone's signature would be held.
        current_app.extensions[_PROXY_WARNED] = True
        log.warning("A request came through a proxy (it has X-Forwarded-For) but "
                    "TRUSTED_PROXY_COUNT is 0, so the rate limits count every client "
                    "as the proxy's address. Set TRUSTED_PROXY_COUNT to the number of "
                    "proxies in front of the app (README, \"Running more than one\").")
    return request.remote_addr or UNKNOWN_ADDRESS


def network_prefix(address: str) -> str:
    """The network an address belongs to, as CIDR: what the limits and the trending
    view group by."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        ip = ipaddress.ip_address(UNKNOWN_ADDRESS)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    length = current_app.config["IP_PREFIX_LENGTH_V4" if ip.version == 4
                                 else "IP_PREFIX_LENGTH_V6"]
    return str(ipaddress.ip_network(f"{ip}/{length}", strict=False))


_SUBSCRIBER_PREFIX_V6 = 64


def counted_as(address: str) -> str:
    """What the limits count a client by: an IPv4 address, or the /64 an IPv6 one
    belongs to."""
    if ":" not in address:
        # IPv4, as nearly every submission: no need to parse it (this is on the
        # signing path).
        return address
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{ip}/{_SUBSCRIBER_PREFIX_V6}", strict=False))
    return address


def address_hash(address: str) -> str:
    """A keyed hash of an address: equal for equal addresses, and useless to anyone
    without the instance's SECRET_KEY."""
    return keyed_digest(b"undersigned.client-address", address).hex()[:32]


def client_key() -> str:
    """The rate limiter's key for the client of this request."""
    return address_hash(counted_as(client_address()))
