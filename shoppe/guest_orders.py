"""Guest orders a browser may open pages of: those its chat proved (support/services/proofs.py), and those whose
"view your order" link from the order's emails it followed.

A guest order has no account to sign in to; the chat proves it instead, by its number and email (may read) and by
the code emailed to it (may change). The pages the chat links to honour the same proofs: the invoice for an order the
conversation may read, the return label for one it may change or whose return it filed. The link in the order's
emails proves its mailbox, and opens what reading allows: the order's page, its invoice and paying it.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.core import signing
from django.urls import reverse

from shoppe.models import Order
from shoppe.selectors import order_get_for_user

if TYPE_CHECKING:
    from support.models import Conversation

# How long the link in a guest order's emails opens its page: long enough for the slowest delivery abroad, the 14 days
# to send it back, the return's journey and the refund (the page is where a guest follows all of that), and not for
# ever: the link stays in a mailbox, and in every forward of the email.
ORDER_LINK_DAYS = 90
_LINK_SALT = "shoppe.guest_orders.link"
# The guest orders whose link this browser followed, newest last (at most _LINKS_KEPT).
LINK_OPENED_KEY = "guest_orders_from_link"
_LINKS_KEPT = 10
# How far back a browser's conversations count (each has at most one before it): as far as conversations.py looks on.
_LINE_LIMIT = 50


def order_for_page(*, user: AbstractBaseUser | AnonymousUser, session: SessionBase, number: int,
                   to_change: bool) -> Order | None:
    """The order `number` whose page this visitor may open: their own, signed in; a visitor not signed in, the guest
    order their chat proved (`guest_order_proven_in`) or, to read it, whose emailed link they followed
    (`guest_order_from_link`); None for anyone else."""
    if user.is_authenticated:
        return order_get_for_user(user=user, number=number)
    return guest_order_proven_in(session, number, to_change=to_change) or (
        None if to_change else guest_order_from_link(session, number))


def guest_order_proven_in(session: SessionBase, number: int, *, to_change: bool) -> Order | None:
    """The guest order `number` if this browser's chat proved it (to change it, with `to_change`) or filed its return,
    in its conversation or in one before it (`_browser_conversations`)."""
    from support.services.proofs import CHANGE, LINK_TAKEN_AT, READ, proven_order_numbers

    guest = Order.objects.filter(number=number, customer__isnull=True).first()
    if guest is None:
        return None
    for chat in _browser_conversations(session):
        filed = guest.refund_requests.filter(conversation=chat)
        if LINK_TAKEN_AT in chat.state:  # what the chat's starter filed before a reply link took it is not this browser's
            filed = filed.filter(created_at__gt=datetime.fromisoformat(chat.state[LINK_TAKEN_AT]))
        if number in proven_order_numbers(chat, to=CHANGE if to_change else READ) or filed.exists():
            return guest
    return None


def _browser_conversations(session: SessionBase) -> list[Conversation]:
    """This browser's visitor conversation and the ones before it that were this browser's too, newest first.

    Resolving a chat ends it, and the guest's next question starts the next one (`Conversation.previous`); what they
    proved before stays theirs in this browser (a walkthrough: after staff resolved the chat, having pointed the guest
    to their order page, the page asked a guest without an account to sign in).
    A chat is this browser's only while no reply link took it over (`Conversation.link_owner`): what the link's
    holder proves after that is theirs (session 27's security probe: the browser that started the chat opened the
    invoice of an order the link's holder proved later, as the socket and the photos never let it). So the walk
    stops where the link owner changes: before a conversation taken from this browser, and before the one this
    browser took by its link (what came before that was the starter's).
    """
    from support.models import Conversation
    from support.services.conversations import SESSION_KEY, conversation_owned_by

    try:
        conversation_id = uuid.UUID(str(session.get(SESSION_KEY)))
    except ValueError:
        return []
    chat = Conversation.objects.filter(id=conversation_id, customer__isnull=True).first()
    if chat is None or not conversation_owned_by(chat, user=AnonymousUser(), session=session):
        return []
    line = [chat]
    while chat.previous_id is not None and len(line) < _LINE_LIMIT:
        before = Conversation.objects.filter(id=chat.previous_id, customer__isnull=True).first()
        # A conversation and the one before it are one owner's while they have the same link owner (a conversation
        # started after another inherits its owner: support/services/conversations.py `conversation_next`).
        if before is None or before.link_owner != chat.link_owner:
            break
        line.append(before)
        chat = before
    return line


# --- the link in the order's emails ----------------------------------------------------------------------------
def _link_salt(order: Order) -> str:
    # The order's email signs along without being in the link (it would be readable there, in logs and histories).
    return f"{_LINK_SALT}:{order.email.strip().lower()}"


def order_link_path(order: Order) -> str:
    """The path of the link to `order`'s page in its emails, in the active language.

    A guest order's opens it without an account (`order_link_open`), signed for ORDER_LINK_DAYS; an account's is the
    page's own, which asks to sign in: holding an email never stands in for an account's password.
    """
    if not order.is_guest:
        return reverse("order", args=[order.number])
    return reverse("order_open", args=[order.number, signing.dumps(order.number, salt=_link_salt(order))])


def order_link_open(session: SessionBase, number: int, token: str) -> Order | None:
    """The guest order `number` if `token` is its link's (signed here, for that order and its email, within
    ORDER_LINK_DAYS), remembered in this browser's session; None otherwise, remembering nothing.

    Whoever holds the link holds the order's mailbox, as whoever types the code the chat emails does; but the link
    is months old, and forwarded with the email ("here's what I ordered for you"), where the code is minutes old
    and asked for by this chat. So the link reads (the page, the invoice, paying it: `order_for_page` without
    `to_change`), and changing the order still takes a fresh code in the chat.
    """
    guest = Order.objects.filter(number=number, customer__isnull=True).first()
    if guest is None:
        return None
    try:
        signed_number = signing.loads(token, salt=_link_salt(guest), max_age=timedelta(days=ORDER_LINK_DAYS))
    except signing.BadSignature:  # made up, changed, expired, or for another address
        return None
    if signed_number != number:
        return None
    opened = [n for n in session.get(LINK_OPENED_KEY, []) if n != number]
    session[LINK_OPENED_KEY] = [*opened[-(_LINKS_KEPT - 1):], number]
    return guest


def guest_order_from_link(session: SessionBase, number: int) -> Order | None:
    """The guest order `number` if this browser followed its emailed link (`order_link_open`)."""
    if number not in session.get(LINK_OPENED_KEY, []):
        return None
    return Order.objects.filter(number=number, customer__isnull=True).first()
