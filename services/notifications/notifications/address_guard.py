"""Refuse webhook targets that resolve to private, loopback, link-local or reserved addresses.

Every address a host resolves to must be public (or in NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS,
or loopback while NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK is on). The verdict, and the address it
allowed, are cached per host for NOTIFICATIONS_ADDRESS_CACHE_SECONDS, so a busy endpoint costs one
DNS lookup a minute. Webhooks connect to exactly that address (see notifications.pinning): a DNS
answer that changes after the check (rebinding) never reaches a refused address.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from dataclasses import dataclass

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
GUARD_SETTINGS = {
    "NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK",
    "NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS",
    "NOTIFICATIONS_ADDRESS_CACHE_SECONDS",
}


class AddressRefused(Exception):
    """The target resolves to an address webhooks may not call; retrying will not change that."""


class AddressUnresolved(Exception):
    """The target's host name does not resolve right now; worth retrying later."""


@dataclass(frozen=True)
class _Verdict:
    """A cached answer: the address to connect to, or why not; valid until `expires`."""

    address: Address | None
    refusal: str | None
    expires: float


_cache: dict[str, _Verdict] = {}
_lock = threading.Lock()


def clear_cache() -> None:
    """Forget every cached verdict."""
    with _lock:
        _cache.clear()


def clear_cache_setting_changed(*, setting: str, **kwargs) -> None:
    """Receiver of `setting_changed`: a changed guard setting invalidates the cache."""
    if setting in GUARD_SETTINGS:
        clear_cache()


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The operator's exceptions, plus loopback when allowed."""
    networks = [
        ipaddress.ip_network(net, strict=False) for net in settings.NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS
    ]
    if settings.NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK:
        networks += [ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")]
    return networks


def refusal_for(address: Address) -> str | None:
    """Why webhooks may not call this address, or None if they may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if any(address in network for network in _allowed_networks()):
        return None
    for kind in ("loopback", "private", "link_local", "multicast", "reserved", "unspecified"):
        if getattr(address, f"is_{kind}"):
            return f"{address} is a {kind.replace('_', '-')} address"
    if not address.is_global:
        return f"{address} is not a public address"
    return None


def resolve(host: str) -> list[Address]:
    """Every address the host resolves to (an IP literal resolves to itself)."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise AddressUnresolved(f"cannot resolve {host!r}: {exc}") from exc
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))
    if not addresses:
        raise AddressUnresolved(f"{host!r} has no addresses")
    return addresses


def check_host(host: str) -> Address:
    """The checked address to connect to; AddressRefused if any address of the host is not allowed."""
    host = host.lower()
    now = time.monotonic()
    verdict = _cache.get(host)
    if verdict is None or verdict.expires <= now:
        addresses = resolve(host)
        refusals = [reason for reason in map(refusal_for, addresses) if reason]
        refusal = f"{host} refused: {refusals[0]}" if refusals else None
        verdict = _Verdict(addresses[0], refusal, now + settings.NOTIFICATIONS_ADDRESS_CACHE_SECONDS)
        with _lock:
            _cache[host] = verdict
    if verdict.refusal:
        raise AddressRefused(verdict.refusal)
    return verdict.address
