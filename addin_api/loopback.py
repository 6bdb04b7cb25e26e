"""What counts as loopback: the one rule behind demo sign-in's "this machine only" promise."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

LOOPBACK_NAMES = frozenset({"localhost"})
# Any of these means a proxy relayed the request: the peer address is then the proxy's, not the client's.
PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP", "X-Forwarded-Host")


def is_loopback_host(host: str | None) -> bool:
    """True for `localhost` and loopback addresses (127.0.0.0/8, ::1), bracketed IPv6 included."""
    if not host:
        return False
    host = host.strip().lower().removeprefix("[").removesuffix("]").rstrip(".")
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_of(host_header: str | None) -> str:
    """The name or address of a Host header, without its port (`[::1]:8000` → `::1`)."""
    value = (host_header or "").strip()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else ""
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def arrived_on_loopback(remote_addr: str | None, headers: Mapping[str, str]) -> bool:
    """True only if the peer, the Host asked for and the route (no proxy headers) are all loopback."""
    return (
        is_loopback_host(remote_addr)
        and is_loopback_host(host_of(headers.get("Host")))
        and not any(name in headers for name in PROXY_HEADERS)
    )
