"""Limits per client address, shared by every connection to the chat.

A per-connection limit alone lets a script open many sockets; counting per address
in the cache (Redis in production, so the count holds across server processes) caps
what one address can send and how fast it can open sockets.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache import cache

log = logging.getLogger(__name__)


def client_address(scope: dict[str, Any]) -> str:
    """The address a socket came from (daphne's `--proxy-headers` puts the forwarded one here)."""
    client = scope.get("client") or ("unknown", 0)
    return str(client[0])


def address_allows(*, address: str, action: str, per_minute: int) -> bool:
    """Count one `action` for `address` in the current minute; False once over `per_minute` (0: no limit)."""
    if per_minute <= 0:
        return True
    key = f"throttle:{action}:{address}:{int(time.time() // 60)}"
    try:
        if cache.add(key, 1, timeout=120):
            return True
        try:
            count = cache.incr(key)
        except ValueError:  # the key expired between add and incr
            cache.add(key, 1, timeout=120)
            count = 1
    except Exception:  # noqa: BLE001 - the cache (Redis) is down: serve customers, the per-connection limit still holds
        log.warning("rate limit cache unavailable; not counting %s for %s", action, address)
        return True
    return count <= per_minute


def seconds_to_next_minute() -> float:
    return 60 - time.time() % 60
