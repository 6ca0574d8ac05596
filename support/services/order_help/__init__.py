"""Answers about the customer's own orders, and the questions the assistant asks for them.

An order question starts in `which_order.order_answer` (which order, proved how), and the
answer about the one order is `order_answers.order_intent_answer`. The assistant's open
question is kept in the conversation's state (`pending`, by kind); the customer's next
message goes to `pending_answer`, which hands it to the job that asked:

- `orders`: the orders a conversation may see or change, and their names;
- `guest_proof`: number and email to read a guest order, the emailed code to change it;
- `tracking`: where the order or the refund is; a late parcel passed to the team;
- `cancellation`, `address_change`, `refund_collection`: the three changes.
"""
from __future__ import annotations

from collections.abc import Callable

from support.models import Conversation
from support.services.answers import Answer
from support.services.order_help.address_change import confirm_address_reply, new_address_reply
from support.services.order_help.cancellation import cancel_reply
from support.services.order_help.orders import customer_orders
from support.services.order_help.refund_collection import (refund_confirm_reply, refund_items_reply,
                                                          refund_person_reply, refund_reason_reply)
from support.services.order_help.tracking import late_order_reply
from support.services.order_help.which_order import (choose_order_reply, email_code_reply, identify_order_reply,
                                                     order_answer, order_code_reply)

__all__ = ["ORDER_INTENTS", "customer_orders", "order_answer", "pending_answer"]

ORDER_INTENTS = {"track_order", "check_invoice", "get_invoice", "cancel_order", "change_shipping_address", "track_refund",
                 "get_refund"}

# The assistant's open questions, by the `kind` it left in the conversation's state, and who reads the reply.
_REPLIES: dict[str, Callable[..., Answer | None]] = {
    "choose_order": choose_order_reply,
    "identify_order": identify_order_reply,
    "order_code": order_code_reply,
    "email_code": email_code_reply,
    "confirm_cancel": cancel_reply,
    "new_address": new_address_reply,
    "confirm_address": confirm_address_reply,
    "refund_items": refund_items_reply,
    "confirm_refund": refund_confirm_reply,
    "refund_reason": refund_reason_reply,
    "refund_person": refund_person_reply,
    "late_order": late_order_reply,
}


def pending_answer(*, conversation: Conversation, text: str) -> Answer | None:
    """Read `text` as the answer to the assistant's open question, if it is one.

    Returns None when the message doesn't answer it (the message is then routed
    afresh and the question dropped).
    """
    pending = conversation.state.get("pending")
    if not pending:
        return None
    reply = _REPLIES.get(pending.get("kind"))
    return reply(conversation=conversation, pending=pending, text=text) if reply else None
