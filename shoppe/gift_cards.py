"""Gift cards: balances looked up by code (wrong guesses throttled per client address), and spent at checkout."""
from __future__ import annotations

import enum
import logging
import secrets
import string
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from shoppe.limits import DAY_S, within_limit
from shoppe.models import GiftCard
from shoppe.money import money_format

log = logging.getLogger(__name__)
_WINDOW_S = 3600
GIFT_CARD_MIN, GIFT_CARD_MAX = Decimal("10.00"), Decimal("500.00")
VALID_FOR = timedelta(days=730)  # 2 years (help: gift-cards)
_CODE_ALPHABET = string.ascii_uppercase + string.digits


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
        return gettext("We don't recognise this gift card code. Check that you typed it exactly as in the gift card email.")
    if card.expired:
        return gettext("This gift card expired on %(date)s.") % {"date": date_format(timezone.localtime(card.expires_at), "DATE_FORMAT")}
    if card.balance <= 0:
        return gettext("This gift card has no balance left.")
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


def gift_card_buy(*, amount: Decimal, purchaser_email: str, payment_method: str, recipient: str = "",
                  message: str = "") -> GiftCard:
    """A new digital gift card of `amount`, valid 2 years; its code is emailed to the purchaser after the commit."""
    if not GIFT_CARD_MIN <= amount <= GIFT_CARD_MAX:
        raise ValueError(f"a gift card is worth €10 to €500, not {amount}")
    now = timezone.now()
    for _ in range(5):
        code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))
        try:
            with transaction.atomic():
                card = GiftCard.objects.create(code=code, initial_amount=amount, balance=amount, issued_at=now,
                                               expires_at=now + VALID_FOR, purchaser_email=purchaser_email.strip(),
                                               payment_method=payment_method)
            break
        except IntegrityError:  # 36^16 codes: a clash is all but impossible, but never reuse one
            continue
    else:
        raise RuntimeError("no free gift card code")
    transaction.on_commit(lambda: _gift_card_send(card, recipient=recipient.strip(), message=message.strip()))
    return card


def _gift_card_send(card: GiftCard, *, recipient: str, message: str) -> None:
    # The buyer's address and message are theirs to choose: past this many a day, an address gets no more gift
    # card emails (the card stands, and the browser that bought it shows its code).
    if not within_limit("gift-card-emails", card.purchaser_email, per_seconds=DAY_S,
                        limit=settings.GIFT_CARD_EMAILS_PER_ADDRESS_PER_DAY):
        log.warning("gift card %s: no email, its address had %s today", card.id, settings.GIFT_CARD_EMAILS_PER_ADDRESS_PER_DAY)
        return
    greeting = gettext("A gift card for %(name)s") % {"name": recipient} if recipient else gettext("Your gift card")
    note = "\n" + gettext("Your message: %(message)s") % {"message": message} + "\n" if message else ""
    amount = money_format(card.initial_amount, card.currency)
    body = (gettext("%(greeting)s: %(amount)s to spend at Example Shoppe.") % {"greeting": greeting, "amount": amount}
            + "\n\n" + gettext("Code: %(code)s") % {"code": card.code_display} + "\n"
            + gettext("Valid until %(date)s.") % {"date": date_format(timezone.localtime(card.expires_at), "DATE_FORMAT")} + f"\n{note}\n"
            + gettext("Forward or print this email to give it. The code is entered at checkout, on as many orders as "
                      "the balance lasts; check the balance at %(path)s.") % {"path": reverse("gift_card_balance")}
            + "\n\nExample Shoppe")
    try:
        send_mail(gettext("Your Example Shoppe gift card"), body, None, [card.purchaser_email])
    except Exception:  # noqa: BLE001 - the card exists; support can resend the code
        log.exception("the gift card email for card %s could not be sent", card.id)
