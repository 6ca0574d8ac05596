"""Gift cards: balances looked up by code (wrong guesses throttled per client address), and spent at checkout."""
from __future__ import annotations

import enum
import logging
import time
from dataclasses import dataclass
from decimal import Decimal

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


class GiftCardRefused(Exception):
    """The gift card cannot pay (unknown, expired or empty); the message says why, for the customer."""


def gift_card_usable(card: GiftCard | None) -> str | None:
    """Why `card` cannot pay now, or None when it can."""
    if card is None:
        return "We don't recognise this gift card code. Check that you typed it exactly as in the gift card email."
    if card.expired:
        return f"This gift card expired on {card.expires_at:%d %B %Y}."
    if card.balance <= 0:
        return "This gift card has no balance left."
    return None


def gift_card_spend(*, code: str, amount_due: Decimal) -> tuple[GiftCard, Decimal]:
    """Take up to `amount_due` off the card with `code`; returns the card and what it paid.

    Call inside the order's transaction: the card's row is locked (select_for_update) from the
    read of its balance to the write, so two checkouts with one card cannot both spend the same
    euros, and the whole order rolls back with the balance if anything after this fails.
    """
    card = GiftCard.objects.select_for_update().filter(code=GiftCard.normalise(code)).first()
    problem = gift_card_usable(card)
    if problem:
        raise GiftCardRefused(problem)
    assert card is not None
    paid = min(card.balance, amount_due)
    card.balance -= paid
    card.save(update_fields=["balance"])
    return card, paid


def gift_card_refund(*, card_id: int, amount: Decimal) -> None:
    """Put `amount` back on a card (an order it paid was cancelled): help, refund-policy."""
    card = GiftCard.objects.select_for_update().get(id=card_id)
    card.balance += amount
    card.save(update_fields=["balance"])
