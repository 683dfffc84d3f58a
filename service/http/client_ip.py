"""The commenter's IP address: from the connection, or from `X-Forwarded-For` only when the
connection comes from a proxy the operator listed as trusted (anyone can send that header)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.requests import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted_proxies(text: str) -> tuple[Network, ...]:
    """`"10.0.0.1, 192.168.0.0/16"` → networks; a bad entry is a configuration error."""
    nets = []
    for item in (part.strip() for part in text.split(",")):
        if item:
            try:
                nets.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValueError(f"trusted_proxies: {item!r} is not an IP address or network") from None
    return tuple(nets)


def _is_trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in trusted)


def client_ip(request: Request, trusted: Sequence[Network]) -> str | None:
    """Walks `X-Forwarded-For` from the right past trusted proxies; the first other hop is the client."""
    peer = request.client.host if request.client else None
    if not peer or not trusted or not _is_trusted(peer, trusted):
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # a garbled header is not an address to record
    return peer
