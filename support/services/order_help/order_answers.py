"""The answer about one known order, by what the customer asked: tracking, invoice, cancel, address, refund."""
from __future__ import annotations

from dataclasses import replace

from django.utils.translation import gettext as _

from shoppe.addresses import address_typed
from shoppe.models import NOTHING_PAID, Order, money
from shoppe.services import ADDRESS_CHANGEABLE, order_cancellation_fee
from support.models import Conversation
from support.services.answers import Answer
from support.services.order_help.address_change import address_change_offer, new_address_reply
from support.services.order_help.cancellation import cancel_offer
from support.services.order_help.guest_proof import ask_for_code
from support.services.order_help.orders import order_link, order_may_change, page_path
from support.services.order_help.refund_collection import refund_start
from support.services.order_help.tracking import track_order_answer, track_refund_answer

CHANGE_INTENTS = {"cancel_order", "change_shipping_address", "get_refund"}


def order_intent_answer(*, conversation: Conversation, intent: str, order: Order, request: str = "") -> Answer:
    """The answer about `order`; `request` is the customer's first message about it (it may name items). The order
    is the conversation's order in focus afterwards (`Answer.order_in_focus`)."""
    return replace(_order_intent_answer(conversation=conversation, intent=intent, order=order, request=request),
                   order_in_focus=order.number)


def _order_intent_answer(*, conversation: Conversation, intent: str, order: Order, request: str) -> Answer:
    # A guest order has no page to sign in to: its answers link nowhere.
    link = order_link(order)
    if intent in CHANGE_INTENTS and not order_may_change(conversation, order) and _changeable(order, intent):
        # Number and email open a guest order for reading; acting on it takes the code sent to its email.
        return ask_for_code(conversation, intent, order, request)
    if intent == "track_order":
        return track_order_answer(order=order, link=link)
    if intent in {"check_invoice", "get_invoice"}:
        return _invoice_answer(order=order, link=link, page_opens=not (order.is_guest and conversation.customer_id))
    if intent == "cancel_order":
        return cancel_offer(order=order, link=link, request=request)
    if intent == "change_shipping_address":
        offer = address_change_offer(order=order, link=link)
        # The new address in the first message ("... bestelling 10022 wijzigen naar Prinsengracht 263, 1016 GV
        # Amsterdam") is read back at once, not asked for again (session 26's walkthrough), as the address alone.
        typed = address_typed(request, not_numbers=(order.number,)) if offer.pending else None
        if typed:
            return new_address_reply(conversation=conversation, pending=offer.pending, text=typed) or offer
        return offer
    if intent == "get_refund":
        if order.status in NOTHING_PAID:
            return _nothing_to_refund(order=order, link=link, request=request)
        if order_cancellation_fee(order=order) is not None:
            return _cancel_instead_of_refund(order=order, link=link, request=request)
        return refund_start(order=order, request=request)
    if intent == "track_refund":
        return track_refund_answer(order=order, link=link)
    raise ValueError(f"{intent} is not an order intent")


def _nothing_to_refund(*, order: Order, link: list[dict[str, str]], request: str) -> Answer:
    """A refund asked for an order with nothing paid: a request filed for it could only be rejected (session 30). A
    cancelled order's payment is released; an unpaid one is offered to be cancelled instead."""
    offer = cancel_offer(order=order, link=link, request=request)
    if order.status == Order.Status.CANCELLED:
        return offer
    unpaid = _("Order %(number)s hasn't been paid yet, so there is nothing to refund.") % {"number": order.number}
    return replace(offer, text=f"{unpaid} {offer.text}")


def _cancel_instead_of_refund(*, order: Order, link: list[dict[str, str]], request: str) -> Answer:
    """A refund asked for a paid order that has not shipped: cancelling it gives the money back, at once and without
    waiting for a decision, so that is offered first; a no is the refund request as asked (`cancel_reply`). Filed, the
    request waited for a person while the order went on to ship (session 30's walkthrough)."""
    offer = cancel_offer(order=order, link=link, request=request)
    not_shipped = _("Order %(number)s hasn't shipped yet, so it can simply be cancelled: what you paid goes back to "
                    "your original payment method within 5 business days.") % {"number": order.number}
    return replace(offer, text=f"{not_shipped} {offer.text}",
                   pending={**offer.pending, "instead_of_refund": request or str(order.number)})


def _invoice_answer(*, order: Order, link: list[dict[str, str]], page_opens: bool = True) -> Answer:
    """The order's invoice and its page; `page_opens` False: a guest order a signed-in customer proved in the chat,
    whose page opens only for a visitor's browser or from its emails' link (session 35's walkthrough: the link said
    "We can't find that page")."""
    if not hasattr(order, "invoice") or order.status == Order.Status.PENDING_PAYMENT:
        return Answer(_("Order %(number)s has no invoice yet: it's issued once the payment is through.")
                      % {"number": order.number}, sources=link)
    invoice = {"number": order.number, "invoice": order.invoice.number, "total": money(order.total, order.currency)}
    if not page_opens:
        return Answer(_("The invoice for order %(number)s is %(invoice)s, total %(total)s. It was placed without an "
                        "account: open it from the link to the order's page in its confirmation email.") % invoice)
    return Answer(
        _("The invoice for order %(number)s is %(invoice)s, total %(total)s. You can view and print it here.")
        % invoice,
        sources=[{"title": _("Invoice %(invoice)s") % {"invoice": order.invoice.number},
                  "url": page_path(f"/orders/{order.number}/invoice/")}],
    )


def _changeable(order: Order, intent: str) -> bool:
    """Whether the change could be made now (if not, the answer only says why, which reading allows)."""
    if intent == "cancel_order":
        return order_cancellation_fee(order=order) is not None
    if intent == "change_shipping_address":
        return order.status in ADDRESS_CHANGEABLE
    return True
