"""Counting requests in the cache for the shop's limits on what sends email to an address.

Each limit counts one `name` for one `subject` (an email address, a client's network address) in
a fixed window; the subject is hashed, so no address is kept in a cache key. Fails closed: when
the cache cannot count, the request is refused, since an uncounted one could flood an inbox.
"""
from __future__ import annotations

import hashlib
import logging
import time

from django.core.cache import cache

log = logging.getLogger(__name__)
HOUR_S = 3600
DAY_S = 24 * HOUR_S


def subject_digest(subject: str) -> str:
    """What stands for an address in a cache key: the same for "A@x" and " a@x", and not the address itself."""
    return hashlib.sha256(subject.strip().lower().encode()).hexdigest()[:32]


def within_limit(name: str, subject: str, *, per_seconds: int, limit: int) -> bool:
    """Count one more `name` for `subject` in this window of `per_seconds`; False once the count passes `limit`."""
    key = f"limit:{name}:{subject_digest(subject)}:{int(time.time() // per_seconds)}"
    try:
        cache.add(key, 0, timeout=per_seconds * 2)
        try:
            count = cache.incr(key)
        except ValueError:  # evicted between add and incr: this is its first count again
            cache.add(key, 1, timeout=per_seconds * 2)
            count = 1
    except Exception:  # noqa: BLE001 - no cache, no count: refuse rather than send without a limit
        log.warning("cache unavailable; %s refused rather than not counted", name)
        return False
    return count <= limit
