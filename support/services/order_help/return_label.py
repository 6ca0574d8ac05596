"""A returns question about an order whose return is started: the help answer, and that order's return label.

"where can I download my return label for order 10026?" got the returns article and no link, though the label existed
(session 26's walkthrough). The label is the customer's own order's (shoppe/returns.py): signed in and theirs, or a
guest order their chat proved; the order named in the message, else the one the conversation is about.
"""
from __future__ import annotations

from dataclasses import replace

from django.utils.translation import gettext as _

from shoppe.models import Order
from shoppe.returns import free_return_label, return_started
from support.models import Conversation
from support.services.answers import Answer
from support.services.order_help.orders import order_meant, return_label_path


def with_return_label(answer: Answer, *, conversation: Conversation, text: str) -> Answer:
    """`answer` (the returns help passage) with the return label of the order the customer means, if it has one."""
    order = order_meant(conversation, text)
    if order is None or order.status != Order.Status.DELIVERED or not free_return_label(order) \
            or not return_started(order):
        return answer
    label = return_label_path(order)
    line = _("The return for order %(number)s is started: print its free return label at %(link)s and stick it on "
             "the parcel.") % {"number": order.number, "link": label}
    return replace(answer, text=f"{line}\n\n{answer.text}",
                   sources=[{"title": _("Return label for order %(number)s") % {"number": order.number},
                             "url": label}, *answer.sources], order_in_focus=order.number)
