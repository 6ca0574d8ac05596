"""Refund requests staff file in the console: a refund the customer and the agent agreed on in the live chat.

The assistant's own collection may have been cleared by the handoff, or the customer asked the agent directly; without
this the agreed refund was lost (session 29's walkthrough). It is filed through the assistant's `refund_request_file`,
for the orders the assistant would file for in this conversation (`orders_refundable`), so it is listed, decided and
paid as every other request: filing approves nothing. The hands that decide a conversation's refunds file them.
"""
from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from shoppe.models import Order, money
from shoppe.money import money_format
from shoppe.services import OrderChangeRefused
from support.models import Conversation, RefundRequest
from support.roles import staff_name
from support.services.handoff import agent_note_add, handoff_held_by
from support.services.language import ENGLISH, in_customer_language
from support.services.order_help.orders import customer_orders, order_may_change, order_owned
from support.services.refunds import (refund_customer_tell, refund_lines, refund_quantities_left,
                                      refund_quantity_limit_text, refund_request_file, refund_room)


def refund_filer_check(*, conversation_id: uuid.UUID, user: AbstractBaseUser) -> None:
    """PermissionDenied unless `user` may file a refund in this conversation: as for deciding one, the refund
    permission and the conversation's claim (or a supervisor's role)."""
    if not (user.is_authenticated and user.is_staff and user.has_perm("support.decide_refund")):
        raise PermissionDenied("You can't file refunds.")
    if not handoff_held_by(conversation_id=conversation_id, agent=user):
        raise PermissionDenied("Claim the conversation before filing a refund in it.")


def orders_refundable(conversation: Conversation) -> list[Order]:
    """The orders a refund may be filed for in this conversation, as the assistant files them (`order_owned`): the
    signed-in customer's own, and guest orders proved here with their emailed code, with some of their payment left to
    refund (`refund_room`). Never another customer's."""
    return [order for order in customer_orders(conversation)
            if order_may_change(conversation, order) and refund_room(order) > 0]


def refund_request_from_console(*, conversation_id: uuid.UUID, order_number: int, quantities: dict[int, int],
                                reason: str, agent: AbstractBaseUser) -> RefundRequest:
    """File a refund request for `quantities` (how many of each of the order's items, by item id), as `agent`.

    Refused, with nothing changed, for no items, more of an item than is left to refund (bought, less the order's
    standing requests), more than is left of the order's payment (`refund_room`), an item of another order, an order
    this conversation's customer does not own or prove, or no reason. An internal note says who filed what; the
    customer is told in the chat, in their language.
    """
    refund_filer_check(conversation_id=conversation_id, user=agent)
    reason = reason.strip()
    if not quantities:
        raise ValidationError("Choose at least one item and how many of it to refund.")
    if len(reason) < 3:
        raise ValidationError("Say why the customer is refunded: the reason is kept with the request.")
    conversation = Conversation.objects.get(id=conversation_id)
    try:
        order = order_owned(conversation, order_number)
    except OrderChangeRefused:  # the same words whether it is someone else's or nobody's
        raise ValidationError(f"Order {order_number} is not one of this customer's orders (on their account, or a "
                              "guest order proved in this chat with its emailed code).") from None
    with transaction.atomic():
        Order.objects.select_for_update().filter(id=order.id).first()  # what is left stays put until it is filed
        lines = {line.id: line for line in order.items.select_related("product")}
        left = refund_quantities_left(order)
        for item_id, quantity in quantities.items():
            if item_id not in lines:
                raise ValidationError(f"That item is not on order {order.number}.")
            if not 1 <= quantity <= left[item_id]:
                raise ValidationError(refund_quantity_limit_text(lines[item_id], left[item_id]))
        # Staff file the amount they agreed: beyond what is left of the payment it is refused, not noted.
        refund = refund_request_file(conversation=conversation, order=order, item_ids=list(quantities), reason=reason,
                                     quantities=quantities, within_room=True)
        with translation.override(ENGLISH):  # what was filed, as staff read it: "1 of 2 × Ceramic mug"
            listing = refund_lines(refund)
        agent_note_add(conversation_id=conversation_id, agent=agent,
                       text=f"{staff_name(agent)} filed a refund request on order {order.number}: {listing} "
                            f"({money_format(refund.amount, refund.currency, ENGLISH)}). Reason: {reason}")
    with in_customer_language(conversation_id):
        values = {"name": staff_name(agent), "items": refund_lines(refund), "number": order.number,
                  "amount": money(refund.amount, refund.currency)}
        # The team's news, as a decision is (support.services.away.STAFF_NEWS): emailed to a customer who left.
        refund_customer_tell(refund, _("%(name)s from our team filed a refund request for %(items)s from order "
                                       "%(number)s (%(amount)s). We'll message you here as soon as it is decided.")
                             % values)
    return refund
