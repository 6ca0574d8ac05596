"""Guest orders a browser may open pages of: those its chat conversation proved (support/services/proofs.py).

A guest order has no account to sign in to; the chat proves it instead, by its number and email (may read) and by
the code emailed to it (may change). The pages the chat links to honour the same proofs: the invoice for an order the
conversation may read, the return label for one it may change or whose return it filed.
"""
from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.sessions.backends.base import SessionBase

from shoppe.models import Order
from shoppe.selectors import order_get_for_user


def order_for_page(*, user: AbstractBaseUser | AnonymousUser, session: SessionBase, number: int,
                   to_change: bool) -> Order | None:
    """The order `number` whose page this visitor may open: their own, signed in; a visitor not signed in, the guest
    order their chat proved (`guest_order_proven_in`); None for anyone else."""
    if user.is_authenticated:
        return order_get_for_user(user=user, number=number)
    return guest_order_proven_in(session, number, to_change=to_change)


def guest_order_proven_in(session: SessionBase, number: int, *, to_change: bool) -> Order | None:
    """The guest order `number` if this browser's chat conversation proved it (to change it, with `to_change`) or
    filed its return."""
    from support.models import Conversation
    from support.services.conversations import SESSION_KEY, conversation_owned_by
    from support.services.proofs import CHANGE, READ, proven_order_numbers

    try:
        conversation_id = uuid.UUID(str(session.get(SESSION_KEY)))
    except ValueError:
        return None
    chat = Conversation.objects.filter(id=conversation_id, customer__isnull=True).first()
    guest = Order.objects.filter(number=number, customer__isnull=True).first()
    # The chat is this browser's only while no reply link took it over: what the link's holder proves after that is
    # theirs (session 27's security probe: the browser that started the chat opened the invoice of an order the
    # link's holder proved later, as the socket and the photos never let it).
    if chat is None or guest is None or not conversation_owned_by(chat, user=AnonymousUser(), session=session):
        return None
    if number in proven_order_numbers(chat, to=CHANGE if to_change else READ) \
            or guest.refund_requests.filter(conversation=chat).exists():
        return guest
    return None
