"""A returns question about the customer's own order: the help answer, and that order's return label, or the offer to
start the return of what the message names.

"where can I download my return label for order 10026?" got the returns article and no link, though the label existed
(session 26's walkthrough). The label is the customer's own order's (shoppe/returns.py): signed in and theirs, or a
guest order their chat proved; the order named in the message, else the one the conversation is about.

"I want to send back the oak bedside lamp" got the returns article only, and the customer was left to find out that a
return is started by a refund request from the order's page (session 26's walkthrough). When the message names items
of one delivered order whose return is not started, the article is followed by the refund request the chat would file
for them (refund_collection: read back, sent to the team only on the customer's yes); the team decides, and the free
label is there as soon as it is filed.
"""
from __future__ import annotations

from dataclasses import replace

from django.utils.translation import gettext as _

from shoppe.models import Order
from shoppe.returns import free_return_label, return_started
from support.models import Conversation
from support.services.answers import Answer
from support.services.order_help.orders import customer_orders, order_may_change, order_meant, return_label_path
from support.services.order_items import items_named


def with_return_label(answer: Answer, *, conversation: Conversation, text: str) -> Answer:
    """`answer` (the returns help passage) with the return label of the order the customer means, if it has one."""
    from support.services.refunds import refunds_standing

    order = order_meant(conversation, text)
    if order is None or order.status != Order.Status.DELIVERED or not free_return_label(order) \
            or not return_started(order):
        return answer
    # An item the message names that the started return does not hold is not on its label: "I want to return the
    # casserole from 10026" was told the return of 10026 was started, its label listing only the table (session 27's
    # walkthrough); that item's return is offered instead (`with_return_offer`).
    standing = refunds_standing(order)
    if any(item.id not in standing for item in items_named(list(order.items.all()), text).chosen):
        return answer
    label = return_label_path(order)
    line = _("The return for order %(number)s is started: print its free return label at %(link)s and stick it on "
             "the parcel.") % {"number": order.number, "link": label}
    return replace(answer, text=f"{line}\n\n{answer.text}",
                   sources=[{"title": _("Return label for order %(number)s") % {"number": order.number},
                             "url": label}, *answer.sources], order_in_focus=order.number)


def with_return_offer(answer: Answer, *, conversation: Conversation, text: str) -> Answer:
    """`answer` (the returns help passage) followed by the offer to start the return of the items `text` names, when
    they are in one delivered order of the customer's with no refund request standing for them and some of its
    payment left to refund (`refund_room`); else `answer`."""
    from support.services.order_help.refund_collection import reason_in_request, refund_confirm
    from support.services.refunds import refund_room, refunds_standing

    named = order_meant(conversation, text)
    orders = [named] if named is not None else customer_orders(conversation)
    holding = [(order, items_named(list(order.items.all()), text)) for order in orders
               if order.status == Order.Status.DELIVERED and order_may_change(conversation, order)]
    holding = [(order, named) for order, named in holding if named.chosen]
    if len(holding) != 1:
        return answer
    order, named = holding[0]
    standing = refunds_standing(order)
    items = [item for item in named.chosen if item.id not in standing]
    room = refund_room(order) if items else 0
    if not room:
        return answer
    reason = reason_in_request(text, order, asking_intents=("get_refund", "return_item"))
    offer = refund_confirm(order, items, reason=reason, quantities=named.quantities, room=room)
    start = _("You can start this return here: a return is a refund request, which our team decides.")
    return replace(answer, text=f"{answer.text}\n\n{start} {offer.text}", pending=offer.pending,
                   sources=[*answer.sources, *offer.sources], order_in_focus=order.number)
