"""Gift-card balances, looked up by code, with wrong guesses throttled per client address."""
from __future__ import annotations

import enum
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from shoppe.models import GiftCard

log = logging.getLogger(__name__)
_WINDOW_S = 3600


class Lookup(enum.Enum):
    FOUND = "found"
    UNKNOWN = "unknown"  # no card with that code
    THROTTLED = "throttled"  # too many unknown codes from this address: nothing was looked up


@dataclass
class BalanceCheck:
    outcome: Lookup
    card: GiftCard | None = None


def _failures_key(address: str) -> str:
    return f"gift-card-failures:{address}:{int(time.time() // _WINDOW_S)}"


def gift_card_balance_check(*, code: str, address: str) -> BalanceCheck:
    """The card with `code`, unless `address` already tried too many codes that matched nothing this hour.

    Every check is counted before the card is looked up, and given back when a card is found, so
    guesses sent at once cannot outrun the limit. Fails closed: without the cache nothing is looked up.
    """
    key = _failures_key(address)
    try:
        cache.add(key, 0, timeout=2 * _WINDOW_S)
        tries = cache.incr(key)
    except Exception:  # noqa: BLE001 - an unthrottled lookup is a free guess
        log.warning("cache unavailable; refusing gift-card balance checks")
        return BalanceCheck(Lookup.THROTTLED)
    if tries > settings.GIFT_CARD_FAILURES_PER_ADDRESS:
        return BalanceCheck(Lookup.THROTTLED)
    card = GiftCard.objects.filter(code=GiftCard.normalise(code)).first() if code.strip() else None
    if card is None:
        return BalanceCheck(Lookup.UNKNOWN)
    try:
        cache.decr(key)  # a real card is no guess
    except Exception:  # noqa: BLE001
        pass
    return BalanceCheck(Lookup.FOUND, card)
