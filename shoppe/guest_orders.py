"""Guest orders a browser may open pages of: those its chat proved (support/services/proofs.py).

A guest order has no account to sign in to; the chat proves it instead, by its number and email (may read) and by
the code emailed to it (may change). The pages the chat links to honour the same proofs: the invoice for an order the
conversation may read, the return label for one it may change or whose return it filed.
"""
from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.sessions.backends.base import SessionBase

from shoppe.models import Order
from shoppe.selectors import order_get_for_user

if TYPE_CHECKING:
    from support.models import Conversation

# How far back a browser's conversations count (each has at most one before it): as far as conversations.py looks on.
_LINE_LIMIT = 50


def order_for_page(*, user: AbstractBaseUser | AnonymousUser, session: SessionBase, number: int,
                   to_change: bool) -> Order | None:
    """The order `number` whose page this visitor may open: their own, signed in; a visitor not signed in, the guest
    order their chat proved (`guest_order_proven_in`); None for anyone else."""
    if user.is_authenticated:
        return order_get_for_user(user=user, number=number)
    return guest_order_proven_in(session, number, to_change=to_change)


def guest_order_proven_in(session: SessionBase, number: int, *, to_change: bool) -> Order | None:
    """The guest order `number` if this browser's chat proved it (to change it, with `to_change`) or filed its return,
    in its conversation or in one before it (`_browser_conversations`)."""
    from support.services.proofs import CHANGE, READ, proven_order_numbers

    guest = Order.objects.filter(number=number, customer__isnull=True).first()
    if guest is None:
        return None
    for chat in _browser_conversations(session):
        if number in proven_order_numbers(chat, to=CHANGE if to_change else READ) \
                or guest.refund_requests.filter(conversation=chat).exists():
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
    stops at a conversation taken from this browser, and after one this browser took by its link: what came before
    that was the starter's.
    """
    from support.models import Conversation
    from support.selectors import link_owner_holds
    from support.services.conversations import LINK_OWNER_KEY, SESSION_KEY, conversation_owned_by

    try:
        conversation_id = uuid.UUID(str(session.get(SESSION_KEY)))
    except ValueError:
        return []
    chat = Conversation.objects.filter(id=conversation_id, customer__isnull=True).first()
    if chat is None or not conversation_owned_by(chat, user=AnonymousUser(), session=session):
        return []
    line, secret = [chat], session.get(LINK_OWNER_KEY, "")
    while chat.previous_id is not None and not chat.link_owner and len(line) < _LINE_LIMIT:
        chat = Conversation.objects.filter(id=chat.previous_id, customer__isnull=True).first()
        if chat is None or not link_owner_holds(chat.link_owner, secret):
            break
        line.append(chat)
    return line

