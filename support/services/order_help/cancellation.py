"""Cancelling an order: the offer (free, or with the packed-order fee), then the customer's yes or no."""
from __future__ import annotations

from dataclasses import replace

from django.utils.translation import gettext as _

from shoppe.models import Order, money
from shoppe.services import OrderChangeRefused, order_cancel, order_cancellation_fee
from support.models import Conversation
from support.services.answers import Answer
from support.services.order_help.orders import (order_describe, order_link, order_may_change, order_meant, order_owned,
                                                order_status_name, page_path)
from support.services.order_help.refund_collection import CLAUSES, refund_start
from support.services.order_help.yes_no import NO, YES, asked_again, wordless
from support.services.order_items import items_named


def cancel_offer(*, order: Order, link: list[dict[str, str]], request: str = "") -> Answer:
    """Why `order` can't be cancelled any more, or the offer to cancel it (a `confirm_cancel` question).

    A `request` that names some of its items only ("cancel the candles, I only want the sofa") is told that an order
    is cancelled whole, and that those items can be returned once delivered, before the whole order is offered: it was
    offered at once, the sofa the customer wanted to keep in it (session 27's walkthrough)."""
    if order.status == Order.Status.CANCELLED:  # not "refuse the delivery or return it" (session 25's walkthrough)
        return Answer(_("Order %(number)s was cancelled, so it won't be shipped. Its payment is released or refunded "
                        "automatically.") % {"number": order.number}, sources=link)
    fee = order_cancellation_fee(order=order)
    if fee is None:
        return Answer(
            _("Order %(number)s is already %(status)s, so it can't be cancelled any more. "
              "You can refuse the delivery or return it within 30 days of delivery instead.")
            % {"number": order.number, "status": order_status_name(order)},
            sources=[{"title": _("Returns and exchanges"), "url": page_path("/help/returns-and-exchanges/")}],
        )
    if not fee:
        offer = _("I can cancel %(order)s free of charge. Shall I go ahead? (yes / no)") % {"order": order_describe(order)}
    else:
        offer = _("I can cancel %(order)s with a %(fee)s handling fee, because it's already packed. Shall I go "
                  "ahead? (yes / no)") % {"order": order_describe(order), "fee": money(fee, order.currency)}
    items = list(order.items.all())
    named = _items_to_cancel(items, request) if request and len(items) > 1 else []
    if named and len(named) < len(items):
        some = _("Single items can't be cancelled, only a whole order. If you'd rather keep the rest, let the order "
                 "arrive and return %(items)s: returns are free within 30 days of delivery. Or cancel it all:") % {
            "items": ", ".join(item.product.local_name for item in named)}
        offer = f"{some} {offer}"
        link = [*link, {"title": _("Returns and exchanges"), "url": page_path("/help/returns-and-exchanges/")}]
    return Answer(
        offer,
        sources=link, pending={"kind": "confirm_cancel", "order": order.number},
    )


def with_cancel_offer(answer: Answer, *, conversation: Conversation, text: str) -> Answer:
    """`answer` (the help passage on what cancelling costs) followed by what cancelling the order the message or the
    conversation is about would cost, and the offer to do it (a `confirm_cancel` question), when the customer may
    change that order and it can still be cancelled; else `answer`.

    "ma commande 10031 est toujours emballée ?", then "je veux l'annuler alors", read as a question about the fee, got
    the fee rules; the customer's "oui" then changed nothing, and a person had to say the console cannot cancel
    (session 29's walkthrough)."""
    order = order_meant(conversation, text)
    if order is None or not order_may_change(conversation, order) or order_cancellation_fee(order=order) is None:
        return answer
    offer = cancel_offer(order=order, link=order_link(order))
    return replace(answer, text=f"{answer.text}\n\n{offer.text}", pending=offer.pending,
                   sources=[*answer.sources, *offer.sources], order_in_focus=order.number)


def _items_to_cancel(items: list, request: str) -> list:
    """The items the request asks to cancel: those named in its parts the router reads as a cancellation ("cancel the
    candles please" in "cancel the candles please, I only want the sofa"), else in the whole request."""
    from rag.router.serving import router_get

    parts = [part for part in CLAUSES.split(request) if part.strip()]
    if len(parts) < 2:
        return items_named(items, request).chosen
    cancelling = [part for part in parts if router_get().decide(part).intent == "cancel_order"]
    return items_named(items, " ".join(cancelling) or request).chosen


def cancel_reply(*, conversation: Conversation, pending: dict, text: str) -> Answer | None:
    """The customer's yes (cancel it now) or no to the offer."""
    if YES.search(text):
        try:
            owned = order_owned(conversation, pending["order"])
            unpaid = owned.status == Order.Status.PENDING_PAYMENT
            order = order_cancel(order_id=owned.id)
        except OrderChangeRefused as refused:
            return Answer(str(refused))
        if unpaid:  # nothing to release: "your payment is released" was said of an order never paid (session 27)
            return Answer(_("Done: order %(number)s is cancelled. It was never paid, so nothing is charged.")
                          % {"number": order.number}, sources=order_link(order))
        return Answer(_("Done: order %(number)s is cancelled. Your payment is released to your original "
                        "payment method within 5 business days.") % {"number": order.number},
                      sources=order_link(order))
    if wordless(text):
        order = order_owned(conversation, pending["order"])
        offer = cancel_offer(order=order, link=order_link(order))
        return asked_again(replace(offer, pending=pending)) if offer.pending else offer  # else: no longer possible
    if NO.search(text):
        if pending.get("instead_of_refund"):  # offered instead of a refund: the no keeps the refund request as asked
            return _refund_instead(conversation=conversation, pending=pending)
        return Answer(_("No problem, order %(number)s stays as it is.") % {"number": pending["order"]})
    return None


def _refund_instead(*, conversation: Conversation, pending: dict) -> Answer:
    """The refund the customer asked for, collected as usual (`refund_start`), once they said no to cancelling."""
    order = order_owned(conversation, pending["order"])
    kept = _("OK, I won't cancel order %(number)s.") % {"number": order.number}
    answer = refund_start(order=order, request=pending["instead_of_refund"])
    return replace(answer, text=f"{kept} {answer.text}")
