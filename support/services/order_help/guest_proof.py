"""What a guest order takes: its number and email to read it, the code emailed to it to change it."""
from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from shoppe.models import Order
from support.models import Conversation
from support.services import proofs
from support.services.answers import Answer
from support.services.order_help.orders import sign_in_link


def ask_for_proof(intent: str, *, number: int | None = None, request: str = "", signed_in: bool = False) -> Answer:
    """Ask for the order number and email (an `identify_order` question), or to sign in (not who is signed in: a
    "Sign in" link under a signed-in customer's guest order question, session 35's walkthrough)."""
    if number:
        ask = _("To look up order %(number)s, please tell me the email address you placed it with.") % {"number": number}
    else:
        ask = _("Please sign in, or tell me your order number and the email address you placed the order with.")
    return Answer(ask, sources=[] if signed_in else sign_in_link(),
                  pending={"kind": "identify_order", "intent": intent, "number": number, "request": request})


def ask_for_code(conversation: Conversation, intent: str, order: Order, request: str = "") -> Answer:
    """Email the one-time code for a change to a guest order and ask for it (an `order_code` question)."""
    pending = {"kind": "order_code", "intent": intent, "order": order.number, "request": request}
    sent = proofs.order_code_send(conversation=conversation, order=order, intent=intent)
    if sent is proofs.CodeSent.FAILED:
        return Answer(_("I couldn't send you the code just now. Please try again in a few minutes."))
    if sent is proofs.CodeSent.TOO_MANY:
        return Answer(_("I've already sent several codes for order %(number)s in the last hour. Please type the "
                        "latest one here, or try again later.") % {"number": order.number}, pending=pending)
    if sent is proofs.CodeSent.TOO_MANY_FOR_ORDER:  # asked for elsewhere: none of those codes works here
        return Answer(_("Too many codes were asked for order %(number)s in the last hour, so I can't send another just "
                        "now. Please try again later.") % {"number": order.number})
    return Answer(
        _("To keep order %(number)s safe, I've sent a 6-digit code to the email address it was placed with. "
          "Please type the code here; it works for %(minutes)s minutes.")
        % {"number": order.number, "minutes": settings.ORDER_CODE_TTL_MINUTES}, pending=pending)
