"""Changing an order's delivery address: the question for the new one, then the change."""
from __future__ import annotations

from django.utils.translation import gettext as _

from shoppe.models import Order
from shoppe.services import ADDRESS_CHANGEABLE, OrderChangeRefused, order_address_change
from support.models import Conversation
from support.services.answers import Answer
from support.services.order_help.orders import order_link, order_owned, order_status_name
from support.services.order_help.yes_no import NO


def address_change_offer(*, order: Order, link: list[dict[str, str]]) -> Answer:
    """Why the address can't change any more, or where it goes now and what the new address is (`new_address`)."""
    if order.status not in ADDRESS_CHANGEABLE:
        return Answer(_("Order %(number)s is already %(status)s, so its delivery address can't be changed any "
                        "more. The carrier may be able to redirect it from the tracking link.")
                      % {"number": order.number, "status": order_status_name(order)}, sources=link)
    return Answer(
        _("Order %(number)s will go to:\n%(address)s\nWhat's the new address? "
          "(street and number, postcode, city, country)")
        % {"number": order.number, "address": order.shipping_address},
        sources=link, pending={"kind": "new_address", "order": order.number},
    )


def new_address_reply(*, conversation: Conversation, pending: dict, text: str) -> Answer | None:
    """The new address the customer typed (or their no): the order is changed, or told why not."""
    if NO.search(text):
        return Answer(_("OK, I've left the address as it was."))
    try:
        order = order_address_change(order_id=order_owned(conversation, pending["order"]).id, address=text)
    except OrderChangeRefused as refused:
        return Answer(str(refused), pending=pending if "full address" in str(refused) else None)
    return Answer(_("Done: order %(number)s will now be delivered to:\n%(address)s")
                  % {"number": order.number, "address": order.shipping_address}, sources=order_link(order))
