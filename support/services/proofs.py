"""How a customer without a signed-in account proves an order in the chat is theirs.

- Reading a *guest* order: its number plus the email it was placed with
  (`shoppe.selectors.guest_order_get_by_number_and_email`). An order on an account is
  never proven this way: it needs that account signed in.
- Changing, cancelling or asking a refund on a guest order: also a one-time code sent to
  the order's email address (`order_code_send` / `order_code_check`), a few an hour per order
  and requester, more (but still few) per order whoever asks.
- Failed proofs (number and email, or a code) are counted per conversation and per
  client address in the cache (a number and email also per email address), as the chat's rate limits are; over the limit nothing is
  checked, so a correct guess after many wrong ones still learns nothing.

What a conversation proved is kept in its state (`verified_orders`: may read;
`confirmed_orders`: may change), so signing in can tell whether the conversation holds
another person's orders (`proofs_belong_to`).
"""
from __future__ import annotations

import enum
import logging
import secrets
import threading
import time
import uuid
from datetime import datetime, timedelta

from django import db
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.mail import send_mail
from django.db.models import F
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _, gettext_lazy

from shoppe.limits import HOUR_S, subject_digest, within_limit
from shoppe.models import Order, OrderAccessCode
from shoppe.selectors import guest_order_get_by_number_and_email
from support.models import Conversation

log = logging.getLogger(__name__)

READ, CHANGE = "verified_orders", "confirmed_orders"
# When a reply link gave a visitor's chat to another browser (support.services.conversations.reply_link_owner_take): kept
# in its state, the moment before which nothing filed in it (a refund request) proves an order to the new owner.
LINK_TAKEN_AT = "link_taken_at"
# What a conversation's state holds about its orders: proofs, the order talked about, the assistant's open question.
_ORDER_STATE = (READ, CHANGE, "order_in_focus", "pending")  # order_help.orders.ORDER_IN_FOCUS (which imports this)
_WINDOW_S = 3600  # failed proofs are counted per clock hour
_ADDRESS_MEMORY_S = 24 * 3600


class CodeSent(enum.Enum):
    SENT = "sent"
    TOO_MANY = "too_many"  # this conversation had ORDER_CODES_PER_REQUESTER_PER_HOUR: its latest code still works
    TOO_MANY_FOR_ORDER = "too_many_for_order"  # others (the order, or this client address) had theirs: none here
    FAILED = "failed"  # the mail server refused or could not be reached, or the cache could not count


# What the code is for, as the email tells it (the intents that need one, support.services.order_help).
_ASKED_TO = {
    "cancel_order": gettext_lazy("Someone asked in the chat on our website to cancel order %(number)s."),
    "change_shipping_address": gettext_lazy("Someone asked in the chat on our website to change the delivery address "
                                            "of order %(number)s."),
    "get_refund": gettext_lazy("Someone asked in the chat on our website for a refund on order %(number)s."),
}
_ASKED_TO_CHANGE = gettext_lazy("Someone asked in the chat on our website to change order %(number)s.")


class CodeCheck(enum.Enum):
    RIGHT = "right"
    WRONG = "wrong"
    SPENT = "spent"  # no live code: expired, used, replaced by a newer one, or out of tries


# --- what a conversation proved ------------------------------------------------------------------------------
def proven_order_numbers(conversation: Conversation, *, to: str = READ) -> set[int]:
    numbers = set(conversation.state.get(to, []))
    return numbers | set(conversation.state.get(CHANGE, [])) if to == READ else numbers


def state_for_new_owner(state: dict) -> dict:
    """A chat's state once a reply link gave it to another browser: without the orders its starter proved, talked
    about or was being asked about, and with the moment it changed hands (session 35's security probe: the link's
    holder opened the page and invoice of the guest order the starter had proved)."""
    kept = {key: value for key, value in state.items() if key not in _ORDER_STATE}
    return {**kept, LINK_TAKEN_AT: timezone.now().isoformat()}


def order_proof_record(*, conversation: Conversation, order: Order, to: str = READ) -> None:
    """Remember in the conversation that it proved `order` (to read it, or to change it too)."""
    numbers = conversation.state.setdefault(to, [])
    if order.number not in numbers:
        numbers.append(order.number)
        # Saved now, not only with the reply: a proof must not depend on the reply's bookkeeping.
        Conversation.objects.filter(id=conversation.id).update(state=conversation.state)


def proofs_belong_to(*, conversation: Conversation, user: AbstractBaseUser) -> bool:
    """Whether every order the conversation proved is `user`'s: on their account, or a guest order in their
    confirmed email address.

    A conversation that proved nothing belongs to nobody in particular.
    """
    numbers = proven_order_numbers(conversation)
    if not numbers:
        return True
    from shoppe.email_confirmation import email_confirmed

    # A guest order counts as the account's by its address only once the account's owner confirmed that address:
    # anyone can sign up with, or change to, someone else's address.
    email = (getattr(user, "email", "") or "").strip().lower() if email_confirmed(user) else ""
    for order in Order.objects.filter(number__in=numbers).select_related("customer"):
        if order.customer_id is not None:
            if order.customer.user_id != user.pk:
                return False
        elif not email or order.email.strip().lower() != email:
            return False
    return True


# --- throttling failed proofs ----------------------------------------------------------------------------------
def conversation_address_remember(*, conversation_id: uuid.UUID, address: str) -> None:
    """The client address a conversation's socket comes from, so its failed proofs also count against it."""
    try:
        cache.set(f"proof:address:{conversation_id}", address, timeout=_ADDRESS_MEMORY_S)
    except Exception:  # noqa: BLE001 - the per-conversation count still holds
        log.warning("cache unavailable; failed proofs of conversation %s count only per conversation", conversation_id)


def _failure_keys(conversation: Conversation, email: str = "") -> list[tuple[str, int]]:
    window = int(time.time() // _WINDOW_S)
    keys = [(f"proof:failed:conversation:{conversation.id}:{window}", settings.ORDER_PROOF_FAILURES_PER_CONVERSATION)]
    address = cache.get(f"proof:address:{conversation.id}")
    if address:
        keys.append((f"proof:failed:address:{address}:{window}", settings.ORDER_PROOF_FAILURES_PER_ADDRESS))
    if email:  # someone who knows a customer's address, guessing order numbers from many connections
        keys.append((f"proof:failed:email:{subject_digest(email)}:{window}", settings.ORDER_PROOF_FAILURES_PER_EMAIL))
    return keys


def proof_allowed(*, conversation: Conversation, email: str = "") -> bool:
    """False once this conversation, its client address or the `email` given failed too many proofs this hour.

    Unlike the chat's rate limits this fails closed: without the cache, nothing is
    checked, because an unthrottled proof is a free guess.
    """
    try:
        keys = _failure_keys(conversation, email)
        counts = cache.get_many([key for key, _ in keys])
    except Exception:  # noqa: BLE001
        log.warning("cache unavailable; refusing order proofs for conversation %s", conversation.id)
        return False
    return all(counts.get(key, 0) < limit for key, limit in keys)


def proof_failed(*, conversation: Conversation, email: str = "") -> None:
    try:
        for key, _ in _failure_keys(conversation, email):
            cache.add(key, 0, timeout=2 * _WINDOW_S)
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout=2 * _WINDOW_S)
    except Exception:  # noqa: BLE001 - proof_allowed refuses while the cache is down
        log.warning("cache unavailable; a failed proof of conversation %s was not counted", conversation.id)


# --- the one-time code -----------------------------------------------------------------------------------------
def _code_hash(*, holder: str, order: Order, code: str) -> str:
    # Keyed with SECRET_KEY: a copy of the table alone does not give the codes back.
    return salted_hmac("shoppe.order-access-code", f"{holder}:{order.pk}:{code}", algorithm="sha256").hexdigest()


def _code_email(*, order: Order, intent: str, code: str, minutes: int) -> dict[str, str]:
    """The code's email, in the active language: the one the assistant is answering in (message_answer)."""
    asked = _ASKED_TO.get(intent, _ASKED_TO_CHANGE)
    body = [_("Hello,"), str(asked) % {"number": order.number},
            _("If that was you, type this code in the chat: %(code)s") % {"code": code},
            _("It works once, for %(minutes)s minutes. If it wasn't you, ignore this email: nothing changes without "
              "the code.") % {"minutes": minutes}, "Example Shoppe"]
    return {"subject": _("Your Example Shoppe code for order %(number)s") % {"number": order.number},
            "message": "\n\n".join(body)}


def _code_limit(*, conversation: Conversation, order: Order, now: datetime) -> CodeSent | None:
    """Why no code may be sent for `order` to `conversation` now, or None, having counted one more.

    Codes are counted per order and requester, so that a stranger who knows the order's number and email uses up
    their own codes, not the owner's (session 30's probe): per conversation (in the table), and per client address
    across its conversations (a new conversation is one reload away). The order's own, higher, cap bounds what
    guessing from many addresses can get (the numbers: ORDER_CODES_PER_ORDER_PER_HOUR in settings). Those two are
    counted in the cache, atomically, before the code is sent, so that codes asked for at once cannot outrun them,
    the address's first: a requester over their own limit does not use up the order's. Without the cache no code is
    sent (nor could one be checked: `proof_allowed` fails closed).
    """
    mine = OrderAccessCode.objects.filter(order=order, holder=str(conversation.id),
                                          created_at__gte=now - timedelta(hours=1))
    if mine.count() >= settings.ORDER_CODES_PER_REQUESTER_PER_HOUR:
        return CodeSent.TOO_MANY
    try:
        address = cache.get(f"proof:address:{conversation.id}")
    except Exception:  # noqa: BLE001
        log.warning("cache unavailable; no code sent for order %s", order.number)
        return CodeSent.FAILED
    name = f"order-codes:{order.pk}"
    # A conversation whose address is not known (forgotten after a day) still has its own count and the order's.
    if address and not within_limit(name, address, per_seconds=HOUR_S,
                                    limit=settings.ORDER_CODES_PER_REQUESTER_PER_HOUR):
        return CodeSent.TOO_MANY_FOR_ORDER
    if not within_limit(name, "every requester", per_seconds=HOUR_S, limit=settings.ORDER_CODES_PER_ORDER_PER_HOUR):
        return CodeSent.TOO_MANY_FOR_ORDER
    return None


def order_code_send(*, conversation: Conversation, order: Order, intent: str) -> CodeSent:
    """Email a fresh code for `order` to the address it was placed with.

    Earlier codes this conversation got for the order stop working: only the latest does.
    """
    now = timezone.now()
    refused = _code_limit(conversation=conversation, order=order, now=now)
    if refused is not None:
        return refused
    holder = str(conversation.id)
    code = f"{secrets.randbelow(1_000_000):06d}"
    OrderAccessCode.objects.filter(order=order, holder=holder, used_at=None, expires_at__gt=now).update(expires_at=now)
    minutes = settings.ORDER_CODE_TTL_MINUTES
    record = OrderAccessCode.objects.create(
        order=order, holder=holder, code_hash=_code_hash(holder=holder, order=order, code=code), sent_to=order.email,
        expires_at=now + timedelta(minutes=minutes))
    try:
        send_mail(**_code_email(order=order, intent=intent, code=code, minutes=minutes),
                  from_email=None, recipient_list=[order.email])
    except Exception:  # noqa: BLE001 - SMTP refused or unreachable: the customer is told to try again
        log.warning("could not email the code for order %s", order.number, exc_info=True)
        record.delete()
        return CodeSent.FAILED
    return CodeSent.SENT


# --- a guest order by the code alone, when others' guesses used up its email's proofs -----------------------------
# The answer's own work is the same whether the number and email match an order or not: what the guesser can see (the
# words, the failed proofs counted, the time taken, the errors) tells nothing. Looking the order up and emailing the
# code happen in a thread started after the answer has gone; checking a typed code runs the same queries either way.
CODE_BY_EMAIL_DELAY_S = 1.0


def order_code_send_later(*, conversation: Conversation, number: int, email: str, intent: str) -> None:
    """Email a code to the guest order with `number` and `email`, if there is one, a moment after the answer."""
    sender = threading.Timer(CODE_BY_EMAIL_DELAY_S, _code_send_if_matched,
                             args=(conversation.id, number, email, intent, translation.get_language()))
    sender.daemon = True
    sender.start()


def _code_send_if_matched(conversation_id: uuid.UUID, number: int, email: str, intent: str, language: str) -> None:
    try:
        with translation.override(language):
            order = guest_order_get_by_number_and_email(number=number, email=email)
            if order is not None:
                order_code_send(conversation=Conversation.objects.get(id=conversation_id), order=order, intent=intent)
    except Exception:  # noqa: BLE001 - the customer can ask for a new code
        log.warning("could not email a code for conversation %s", conversation_id, exc_info=True)
    finally:
        db.connection.close()


def order_code_check_by_email(*, conversation: Conversation, number: int, email: str, code: str) -> CodeCheck:
    """`order_code_check` for the guest order with `number` and `email`, running the same queries whether there is one
    (a code is only ever sent to one that exists): RIGHT, or WRONG whatever else went wrong."""
    live = OrderAccessCode.objects.filter(order__customer__isnull=True, order__number=number,
                                          order__email__iexact=email.strip())
    checked = _latest_code_checked(live, conversation=conversation, code=code)
    return CodeCheck.RIGHT if checked is CodeCheck.RIGHT else CodeCheck.WRONG


def order_code_check(*, conversation: Conversation, order: Order, code: str) -> CodeCheck:
    """Check a code typed in the chat against the latest one sent for `order` to this conversation."""
    return _latest_code_checked(OrderAccessCode.objects.filter(order=order), conversation=conversation, code=code)


def _latest_code_checked(codes, *, conversation: Conversation, code: str) -> CodeCheck:  # type: ignore[no-untyped-def]
    """`code` against the latest live one of `codes` sent to this conversation. The counting runs as one query even
    when there is none (`order_code_check_by_email` must take as long either way)."""
    now = timezone.now()
    holder = str(conversation.id)
    live = codes.filter(holder=holder, used_at=None, expires_at__gt=now, attempts__lt=settings.ORDER_CODE_ATTEMPTS)
    record = live.select_related("order").order_by("-created_at").first()
    # The try is counted before the code is compared, atomically: tries sent at once cannot outrun the limit.
    counted = live.filter(id=record.id if record else -1).update(attempts=F("attempts") + 1)
    if record is None or not counted:
        return CodeCheck.SPENT
    if not constant_time_compare(record.code_hash, _code_hash(holder=holder, order=record.order, code=code)):
        return CodeCheck.WRONG
    # Single use: of two tries with the right code at once, one wins.
    if not OrderAccessCode.objects.filter(id=record.id, used_at=None).update(used_at=now):
        return CodeCheck.SPENT
    return CodeCheck.RIGHT
