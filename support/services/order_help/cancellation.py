"""Cancelling an order: the offer (free, or with the packed-order fee), then the customer's yes or no."""
from __future__ import annotations

from django.utils.translation import gettext as _

from shoppe.models import Order, money
from shoppe.services import OrderChangeRefused, order_cancel, order_cancellation_fee
from support.models import Conversation
from support.services.answers import Answer
from support.services.order_help.orders import order_describe, order_link, order_owned, order_status_name, page_path
from support.services.order_help.yes_no import NO, YES


def cancel_offer(*, order: Order, link: list[dict[str, str]]) -> Answer:
    """Why `order` can't be cancelled any more, or the offer to cancel it (a `confirm_cancel` question)."""
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
    return Answer(
        offer,
        sources=link, pending={"kind": "confirm_cancel", "order": order.number},
    )


def cancel_reply(*, conversation: Conversation, pending: dict, text: str) -> Answer | None:
    """The customer's yes (cancel it now) or no to the offer."""
    if YES.search(text):
        try:
            order = order_cancel(order_id=order_owned(conversation, pending["order"]).id)
        except OrderChangeRefused as refused:
            return Answer(str(refused))
        return Answer(_("Done: order %(number)s is cancelled. Your payment is released to your original "
                        "payment method within 5 business days.") % {"number": order.number},
                      sources=order_link(order))
    if NO.search(text):
        return Answer(_("No problem, order %(number)s stays as it is.") % {"number": pending["order"]})
    return None
