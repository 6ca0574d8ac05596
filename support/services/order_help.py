"""Answers about the customer's own orders, and the questions the assistant asks for them.

Every order is looked up through the conversation's owner: a signed-in customer sees
their own orders; anyone may also see a *guest* order they proved with its number and
the email it was placed with. Changing, cancelling or asking a refund on a guest order
also needs the one-time code emailed to it (`support.services.proofs`).
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _, gettext_lazy, ngettext, pgettext, pgettext_lazy

from rag.documents import help_language, localized_path
from shoppe.models import Order, OrderItem, money
from shoppe.selectors import guest_order_get_by_number_and_email, guest_order_list_by_numbers, order_list_for_user
from shoppe.services import (ADDRESS_CHANGEABLE, OrderChangeRefused, order_address_change, order_cancel,
                             order_cancellation_fee)
from support.models import Conversation
from support.services import proofs
from support.services.answers import Answer
from support.services.order_items import items_named

ORDER_INTENTS = {"track_order", "check_invoice", "get_invoice", "cancel_order", "change_shipping_address", "track_refund",
                 "get_refund"}
_ORDER_NUMBER = re.compile(r"\b(\d{5})\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_CODE = re.compile(r"(?<!\d)(\d{3})[ -]?(\d{3})(?!\d)")
_RESEND = re.compile(r"\b(new code|another code|resend|send (it|the code|a code) again|didn'?t (get|receive)|"
                     r"haven'?t (got|received)|no code|nieuwe code|neue[nr]? code|nouveau code|nuevo c[oó]digo|"
                     r"nuovo codice|nowy kod|novo c[oó]digo)\b", re.IGNORECASE)
# A yes or a no in the customer's words (English first; the shop's other languages too), with what follows it.
_YES_WORDS = (r"y|yes|yeah|yep|yup|yes please|sure|ok|okay|confirm|confirmed|please do|please|do it|go ahead|send it|"
              r"correct|ja|jawel|jawohl|graag|bitte|oui|ouais|d'accord|s[iíì]|vale|claro|sim|tak|certo|va bene")
_YES = re.compile(rf"^\s*(?:(?:{_YES_WORDS})\b[\s,.!;:-]*)+", re.IGNORECASE)
_NO = re.compile(r"^\s*(n|no|nope|nah|not now|don'?t|do not|cancel that|cancel it|stop|keep it|never ?mind|nee|nein|"
                 r"non|n[ãa]o|nie|no gracias|no thanks)\b", re.IGNORECASE)
_ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3, "fifth": 4,
             "5th": 4, "last": -1, "latest": 0, "newest": 0, "most recent": 0, "oldest": -1}
def _page(path: str) -> str:
    """A storefront page (its English path, "/orders/") as that page in the language being answered in.

    Italian, Polish and Portuguese customers get the English page: the storefront has none in theirs.
    """
    return localized_path(path, help_language(translation.get_language()))


def _sign_in() -> list[dict[str, str]]:
    return [{"title": _("Sign in"), "url": _page("/account/login/")}]


# Statuses in the customer's words, as the help centre's "What does my order status mean?" names them.
ORDER_STATUS_NAMES = {
    Order.Status.PENDING_PAYMENT: pgettext_lazy("order status", "pending payment"),
    Order.Status.PROCESSING: pgettext_lazy("order status", "processing"),
    Order.Status.PACKED: pgettext_lazy("order status", "packed"),
    Order.Status.SHIPPED: pgettext_lazy("order status", "shipped"),
    Order.Status.OUT_FOR_DELIVERY: pgettext_lazy("order status", "out for delivery"),
    Order.Status.DELIVERED: pgettext_lazy("order status", "delivered"),
    Order.Status.CANCELLED: pgettext_lazy("order status", "cancelled"),
    Order.Status.RETURNED: pgettext_lazy("order status", "returned"),
}
REFUND_STATUS_NAMES = {
    "requested": pgettext_lazy("refund status", "requested"),
    "approved": pgettext_lazy("refund status", "approved"),
    "rejected": pgettext_lazy("refund status", "rejected"),
    "paid": pgettext_lazy("refund status", "paid"),
    "awaiting_second": pgettext_lazy("refund status", "waiting for a supervisor"),
}


def order_status_name(order: Order) -> str:
    """The order's status in the language being answered ("shipped", "verzonden")."""
    name = ORDER_STATUS_NAMES.get(order.status)
    return str(name) if name is not None else order.get_status_display().lower()


def refund_status_name(refund: object) -> str:
    name = REFUND_STATUS_NAMES.get(getattr(refund, "status", ""))
    return str(name) if name is not None else refund.get_status_display().lower()  # type: ignore[attr-defined]
ACTIVE_STATUSES = [Order.Status.PENDING_PAYMENT, Order.Status.PROCESSING, Order.Status.PACKED, Order.Status.SHIPPED,
                   Order.Status.OUT_FOR_DELIVERY]


# Every failed proof reads the same: a wrong number, a wrong email, an order on an account.
NO_MATCH = gettext_lazy("That order number and email address don't match an order I can look up here. Please check both; "
            "if you ordered with an account, sign in to see it.")
TOO_MANY_TRIES = gettext_lazy("There have been too many tries that didn't match. Please try again later, or sign in.")
CHANGE_INTENTS = {"cancel_order", "change_shipping_address", "get_refund"}


def customer_orders(conversation: Conversation) -> list[Order]:
    """The orders this conversation's customer may see: their account's, and guest orders proved in it."""
    own = list(order_list_for_user(user=conversation.customer)[:10]) if conversation.customer_id else []
    proven = proofs.proven_order_numbers(conversation) - {o.number for o in own}
    return own + (list(guest_order_list_by_numbers(numbers=sorted(proven))) if proven else [])


def _may_change(conversation: Conversation, order: Order) -> bool:
    """The signed-in owner may change an account's order; a guest order needs its emailed code first."""
    if order.customer_id is not None:
        return conversation.customer_id is not None and order.customer.user_id == conversation.customer_id
    return order.number in proofs.proven_order_numbers(conversation, to=proofs.CHANGE)


def _describe(order: Order) -> str:
    items = ", ".join(_item_line(i) for i in order.items.all())
    return _("order %(number)s (%(items)s, placed %(date)s)") % {
        "number": order.number, "items": items, "date": formats.date_format(order.placed_at, "j M")}


def order_answer(*, conversation: Conversation, intent: str, text: str) -> Answer:
    """Answer an order question, asking which order (or for proof of it) when needed."""
    orders = customer_orders(conversation)
    number = _ORDER_NUMBER.search(text)
    # The first message may already name items ("a refund for the oak table"): it travels with the questions
    # asked before them are known, so the customer is not asked again.
    request = text[:500]
    if number:
        match = [o for o in orders if o.number == int(number.group(1))]
        if match:
            return _order_intent_answer(conversation=conversation, intent=intent, order=match[0], request=request)
        if not conversation.customer_id:
            return _ask_for_proof(intent, number=int(number.group(1)), request=request)
        return Answer(_("I can't find order %(number)s on your account. Could you check the number? "
                        "You can see all your orders under My orders. If you placed it as a guest, tell me the "
                        "email address you used.") % {"number": number.group(1)},
                      sources=[{"title": _("My orders"), "url": _page("/orders/")}],
                      pending={"kind": "identify_order", "intent": intent, "number": int(number.group(1)),
                               "request": request})
    if not orders:
        if not conversation.customer_id:
            return _ask_for_proof(intent, request=request)
        return Answer(_("I don't see any orders on your account yet. If you ordered as a guest, tell me the order "
                        "number and the email address you used."),
                      pending={"kind": "identify_order", "intent": intent, "request": request})
    candidates = _candidates(orders, intent)
    if intent == "get_refund" and len(candidates) > 1:
        # "a refund for the velvet footstool": the one order holding what was named, if only one does.
        holding = [o for o in candidates if items_named(list(o.items.all()), text).chosen]
        candidates = holding if len(holding) == 1 else candidates
    if len(candidates) == 1:
        return _order_intent_answer(conversation=conversation, intent=intent, order=candidates[0], request=request)
    listing = "\n".join(f"{n}. {_describe(o)} – {order_status_name(o)}" for n, o in enumerate(candidates[:5], 1))
    return Answer(
        _("Which order do you mean?\n%(orders)s\nYou can answer with its number or say \"the first one\".")
        % {"orders": listing},
        pending={"kind": "choose_order", "intent": intent, "orders": [o.number for o in candidates[:5]],
                 "request": request},
    )


def _candidates(orders: list[Order], intent: str) -> list[Order]:
    if intent in {"cancel_order", "change_shipping_address"}:
        active = [o for o in orders if order_cancellation_fee(order=o) is not None]
    elif intent == "track_order":
        active = [o for o in orders if o.status in ACTIVE_STATUSES]
    elif intent == "track_refund":
        active = [o for o in orders if o.refunds.exists() or o.refund_requests.exists()]
    elif intent == "get_refund":
        active = [o for o in orders if o.status in {Order.Status.DELIVERED, Order.Status.SHIPPED, Order.Status.OUT_FOR_DELIVERY}]
    else:
        active = []
    return active or orders


def _ask_for_proof(intent: str, *, number: int | None = None, request: str = "") -> Answer:
    if number:
        ask = _("To look up order %(number)s, please tell me the email address you placed it with.") % {"number": number}
    else:
        ask = _("Please sign in, or tell me your order number and the email address you placed the order with.")
    return Answer(ask, sources=_sign_in(),
                  pending={"kind": "identify_order", "intent": intent, "number": number, "request": request})


def _ask_for_code(conversation: Conversation, intent: str, order: Order, request: str = "") -> Answer:
    pending = {"kind": "order_code", "intent": intent, "order": order.number, "request": request}
    sent = proofs.order_code_send(conversation=conversation, order=order, intent=intent)
    if sent is proofs.CodeSent.FAILED:
        return Answer(_("I couldn't send you the code just now. Please try again in a few minutes."))
    if sent is proofs.CodeSent.TOO_MANY:
        return Answer(_("I've already sent several codes for order %(number)s in the last hour. Please type the "
                        "latest one here, or try again later.") % {"number": order.number}, pending=pending)
    return Answer(
        _("To keep order %(number)s safe, I've sent a 6-digit code to the email address it was placed with. "
          "Please type the code here; it works for %(minutes)s minutes.")
        % {"number": order.number, "minutes": settings.ORDER_CODE_TTL_MINUTES}, pending=pending)


def _order_intent_answer(*, conversation: Conversation, intent: str, order: Order, request: str = "") -> Answer:
    """The answer about `order`; `request` is the customer's first message about it (it may name items)."""
    # A guest order has no page to sign in to: its answers link nowhere.
    link = [] if order.is_guest else _order_link(order)
    if intent in CHANGE_INTENTS and not _may_change(conversation, order) and _changeable(order, intent):
        # Number and email open a guest order for reading; acting on it takes the code sent to its email.
        return _ask_for_code(conversation, intent, order, request)
    if intent == "track_order":
        days_late = _days_late(order)
        if days_late:
            # A date in the past is no expectation: say it is late, and offer what can be done.
            late = ngettext(
                "It was expected on %(date)s, so it's %(days)s day late. I'm sorry about that. Shall I pass this to "
                "our support team, so they can look into it with the carrier? (yes / no) You can also follow the "
                "latest scans with the carrier's tracking number.",
                "It was expected on %(date)s, so it's %(days)s days late. I'm sorry about that. Shall I pass this to "
                "our support team, so they can look into it with the carrier? (yes / no) You can also follow the "
                "latest scans with the carrier's tracking number.", days_late,
            ) % {"date": formats.date_format(order.shipments.all()[0].estimated_delivery, "l j F"), "days": days_late}
            return Answer(
                f"{_tracking_text(order, late=True)} {late}",
                sources=link, pending={"kind": "late_order", "intent": intent, "order": order.number})
        return Answer(_tracking_text(order), sources=link)
    if intent in {"check_invoice", "get_invoice"}:
        if hasattr(order, "invoice") and order.status != Order.Status.PENDING_PAYMENT:
            return Answer(
                _("The invoice for order %(number)s is %(invoice)s, total %(total)s. You can view and print it here.")
                % {"number": order.number, "invoice": order.invoice.number, "total": money(order.total, order.currency)},
                sources=[{"title": _("Invoice %(invoice)s") % {"invoice": order.invoice.number},
                          "url": _page(f"/orders/{order.number}/invoice/")}],
            )
        return Answer(_("Order %(number)s has no invoice yet: it's issued once the payment is through.")
                      % {"number": order.number}, sources=link)
    if intent == "cancel_order":
        fee = order_cancellation_fee(order=order)
        if fee is None:
            return Answer(
                _("Order %(number)s is already %(status)s, so it can't be cancelled any more. "
                  "You can refuse the delivery or return it within 30 days of delivery instead.")
                % {"number": order.number, "status": order_status_name(order)},
                sources=[{"title": _("Returns and exchanges"), "url": _page("/help/returns-and-exchanges/")}],
            )
        if not fee:
            offer = _("I can cancel %(order)s free of charge. Shall I go ahead? (yes / no)") % {"order": _describe(order)}
        else:
            offer = _("I can cancel %(order)s with a %(fee)s handling fee, because it's already packed. Shall I go "
                      "ahead? (yes / no)") % {"order": _describe(order), "fee": money(fee, order.currency)}
        return Answer(
            offer,
            sources=link, pending={"kind": "confirm_cancel", "order": order.number},
        )
    if intent == "change_shipping_address":
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
    if intent == "get_refund":
        items = list(order.items.all())
        if len(items) == 1:
            return _refund_confirm(order, items)
        named = items_named(items, request)
        if named.chosen:
            return _refund_confirm(order, named.chosen)
        return _ask_refund_items(order, named.unsure or items)
    if intent == "track_refund":
        requested = [r for r in order.refund_requests.all() if r.status not in {"approved", "rejected"}]
        if requested:
            return Answer(_("Your refund request for order %(number)s (%(amount)s) is %(status)s. Our team will tell "
                            "you here as soon as it's decided.")
                          % {"number": order.number, "amount": money(requested[0].amount, order.currency),
                             "status": _refund_request_status(requested[0])}, sources=link)
        refunds = list(order.refunds.all())
        if not refunds:
            return Answer(_("There's no refund on order %(number)s yet. If you'd like one, just ask and I'll "
                            "pass your request to our team.") % {"number": order.number}, sources=link)
        lines = [f"{money(r.amount, r.currency)}: {refund_status_name(r)}" for r in refunds]
        return Answer(_("Refunds on order %(number)s: %(refunds)s. Approved refunds reach your original payment "
                        "method within 5 business days.") % {"number": order.number, "refunds": "; ".join(lines)},
                      sources=link)
    raise ValueError(f"{intent} is not an order intent")


def _changeable(order: Order, intent: str) -> bool:
    """Whether the change could be made now (if not, the answer only says why, which reading allows)."""
    if intent == "cancel_order":
        return order_cancellation_fee(order=order) is not None
    if intent == "change_shipping_address":
        return order.status in ADDRESS_CHANGEABLE
    return True


def _days_late(order: Order) -> int:
    """Days past the carrier's expected delivery of an order still on its way (0 when on time or delivered)."""
    if order.status not in {Order.Status.SHIPPED, Order.Status.OUT_FOR_DELIVERY}:
        return 0
    shipment = order.shipments.all()[0] if order.shipments.all() else None
    if shipment is None or shipment.estimated_delivery is None:
        return 0
    today: date = timezone.localdate()
    return max((today - shipment.estimated_delivery).days, 0)


def _order_link(order: Order) -> list[dict[str, str]]:
    return [{"title": _("Order %(number)s") % {"number": order.number}, "url": _page(f"/orders/{order.number}/")}]


def _refund_request_status(refund: object) -> str:
    from support.models import RefundRequest

    names = {RefundRequest.Status.REQUESTED: pgettext("refund request status", "waiting for a decision"),
             RefundRequest.Status.AWAITING_SECOND: pgettext("refund request status", "waiting for a supervisor")}
    return names.get(getattr(refund, "status", ""), "") or refund.get_status_display().lower()  # type: ignore[attr-defined]


def _tracking_text(order: Order, *, late: bool = False) -> str:
    status = order_status_name(order)
    shipment = order.shipments.all()[0] if order.shipments.all() else None
    if shipment is None:
        return _("Order %(number)s is %(status)s. It hasn't been handed to the carrier yet; you'll get a tracking "
                 "link by email when it ships.") % {"number": order.number, "status": status}
    events = list(shipment.events.all())
    parts = [_("Order %(number)s is %(status)s, with %(carrier)s (tracking number %(tracking)s).") % {
        "number": order.number, "status": status, "carrier": shipment.carrier, "tracking": shipment.tracking_number}]
    if events:
        parts.append(_("Latest update: %(update)s (%(place)s, %(when)s).") % {
            "update": events[-1].description, "place": events[-1].location,
            "when": formats.date_format(events[-1].happened_at, "j M H:i")})
    if shipment.estimated_delivery and order.status != Order.Status.DELIVERED and not late:
        parts.append(_("Expected delivery: %(date)s.") % {
            "date": formats.date_format(shipment.estimated_delivery, "l j F")})
    return " ".join(parts)


def _item_line(item: OrderItem) -> str:
    return f"{item.quantity} × {item.product.local_name}"


def _ask_refund_items(order: Order, items: list[OrderItem]) -> Answer:
    """Which of `items` to refund: the whole order's, or the few a shared word left open."""
    listing = "\n".join(f"{n}. {_item_line(i)} ({money(i.line_total, order.currency)})" for n, i in enumerate(items, 1))
    if len(items) < order.items.count():
        question = _("Which one do you mean?\n%(items)s\nName or number it.") % {"items": listing}
    else:
        question = (_("Which items from order %(number)s should we refund?\n%(items)s\n"
                      "Say \"all\", or name or number them.") % {"number": order.number, "items": listing})
    return Answer(question, sources=_refund_policy(),
                  pending={"kind": "refund_items", "intent": "get_refund", "order": order.number,
                           "items": [i.id for i in items]})


def _refund_confirm(order: Order, items: list[OrderItem], reason: str = "") -> Answer:
    """What will be filed, shown before it is: sent to the team only on the customer's yes."""
    from support.services.refunds import refund_eligibility

    amount = sum((i.line_total for i in items), Decimal("0.00"))
    notes = refund_eligibility(order=order, items=items)
    values = {"amount": money(amount, order.currency), "items": ", ".join(_item_line(i) for i in items),
              "number": order.number, "notes": "; ".join(str(n) for n in notes)}
    if notes:
        text = _("I'll ask for a refund of %(amount)s for: %(items)s (order %(number)s). Please note that under our "
                 "policy %(notes)s, though our team will still look at your case. Shall I send it to our team? "
                 "(yes / no)") % values
    else:
        text = _("I'll ask for a refund of %(amount)s for: %(items)s (order %(number)s). Shall I send it to our "
                 "team? (yes / no)") % values
    return Answer(
        text,
        sources=_refund_policy(),
        pending={"kind": "confirm_refund", "intent": "get_refund", "order": order.number,
                 "items": [i.id for i in items], "reason": reason})


def _refund_policy() -> list[dict[str, str]]:
    return [{"title": _("Refund policy"), "url": _page("/help/refund-policy/")}]


def _ask_refund_reason(order: Order, item_ids: list[int]) -> Answer:
    return Answer(_("Sure. Before I send it: what's the reason for the refund? For example: it arrived damaged, "
                    "it's the wrong item, or you changed your mind."),
                  pending={"kind": "refund_reason", "intent": "get_refund", "order": order.number, "items": item_ids})


def _return_shipping(order: Order) -> str:
    """How a delivered order goes back (help: returns-and-exchanges): the free label in the EU, own shipping outside."""
    from shoppe.returns import free_return_label

    if order.status != Order.Status.DELIVERED:
        return ""
    if free_return_label(order):
        with translation.override(settings.LANGUAGE_CODE):
            label = reverse("order_return_label", args=[order.number])  # "/it/orders/…" would be no page
        return " " + _("Return shipping is free: print your return label at %(link)s and stick it on the parcel.") \
            % {"link": _page(label)}
    return " " + _("Your order was delivered outside the EU, so you arrange and pay the return shipping yourself, "
                   "with a carrier of your choice (a tracked service is best).")


def _refund_file(conversation: Conversation, order: Order, item_ids: list[int], reason: str) -> Answer:
    from support.services.refunds import refund_eligibility, refund_request_file

    refund = refund_request_file(conversation=conversation, order=order, item_ids=item_ids, reason=reason)
    # The request stores the English names and notes, for staff; the customer reads them in their language.
    refunded = list(order.items.select_related("product").filter(id__in=item_ids))
    items = ", ".join(i.product.local_name for i in refunded)
    notes = refund_eligibility(order=order, items=refunded) if refund.eligibility_notes else []
    values = {"items": items, "number": order.number, "amount": money(refund.amount, refund.currency),
              "notes": "; ".join(notes)}
    if notes:
        text = _("Thanks. I've filed a refund request for %(items)s from order %(number)s (%(amount)s). Note that "
                 "under our policy %(notes)s, but our team will look at your case. Refunds are decided by a member "
                 "of our support team, who will reply right here.") % values
    else:
        text = _("Thanks. I've filed a refund request for %(items)s from order %(number)s (%(amount)s). Refunds are "
                 "decided by a member of our support team, who will reply right here.") % values
    text += _return_shipping(order)
    return Answer(
        text,
        sources=_refund_policy(),
        handoff="refund", handoff_order_id=order.id,
    )


def pending_answer(*, conversation: Conversation, text: str) -> Answer | None:
    """Read `text` as the answer to the assistant's open question, if it is one.

    Returns None when the message doesn't answer it (the message is then routed
    afresh and the question dropped).
    """
    pending = conversation.state.get("pending")
    if not pending:
        return None
    kind = pending.get("kind")
    if kind == "choose_order":
        order = _chosen(conversation, pending["orders"], text)
        if order is None:
            return None
        return _order_intent_answer(conversation=conversation, intent=pending["intent"], order=order,
                                    request=pending.get("request", ""))
    if kind == "identify_order":
        number = _ORDER_NUMBER.search(text)
        email = _EMAIL.search(text)
        order_number = int(number.group(1)) if number else pending.get("number")
        if not email and not number:
            return None
        if not (order_number and email):
            return Answer(_("I need both the order number and the email address you placed it with."), pending=pending)
        given = email.group(0).strip().lower()
        known = next((o for o in customer_orders(conversation) if o.number == order_number), None)
        request = pending.get("request", "")
        if known is not None and known.email.strip().lower() == given:  # on the signed-in account, or proved before
            return _order_intent_answer(conversation=conversation, intent=pending["intent"], order=known,
                                        request=request)
        if not proofs.proof_allowed(conversation=conversation):
            return Answer(str(TOO_MANY_TRIES), sources=_sign_in(), pending={**pending, "number": None})
        order = guest_order_get_by_number_and_email(number=order_number, email=email.group(0))
        if order is None:
            proofs.proof_failed(conversation=conversation)
            return Answer(str(NO_MATCH), sources=_sign_in(), pending={**pending, "number": None})
        proofs.order_proof_record(conversation=conversation, order=order)
        return _order_intent_answer(conversation=conversation, intent=pending["intent"], order=order, request=request)
    if kind == "order_code":
        return _code_answer(conversation, pending, text)
    if kind == "confirm_cancel":
        if _YES.search(text):
            try:
                order = order_cancel(order_id=_owned(conversation, pending["order"]).id)
            except OrderChangeRefused as refused:
                return Answer(str(refused))
            return Answer(_("Done: order %(number)s is cancelled. Your payment is released to your original "
                            "payment method within 5 business days.") % {"number": order.number},
                          sources=_order_link(order))
        if _NO.search(text):
            return Answer(_("No problem, order %(number)s stays as it is.") % {"number": pending["order"]})
        return None
    if kind == "refund_items":
        order = _owned(conversation, pending["order"])
        # The items as the question numbered them ("2" is the second one listed).
        by_id = {i.id: i for i in order.items.all()}
        listed = [by_id[i] for i in pending.get("items") or list(by_id) if i in by_id]
        named = items_named(listed, text, by_number=True)
        if named.chosen:
            return _refund_confirm(order, named.chosen)
        return _ask_refund_items(order, named.unsure) if named.unsure else None
    if kind == "confirm_refund":
        if _NO.search(text):
            return Answer(_("OK, I haven't sent anything: no refund was requested for order %(number)s. "
                            "If you change your mind, just ask.") % {"number": pending["order"]})
        yes = _YES.match(text)
        if not yes:
            return None
        order = _owned(conversation, pending["order"])
        # "yes, it arrived scratched": the words after the yes are the reason.
        reason = text[yes.end():].strip() or pending.get("reason", "")
        if len(reason) < 3:
            return _ask_refund_reason(order, pending["items"])
        return _refund_file(conversation, order, pending["items"], reason)
    if kind == "refund_reason":
        if len(text.strip()) < 3:
            return None
        return _refund_file(conversation, _owned(conversation, pending["order"]), pending["items"], text)
    if kind == "late_order":
        if _NO.search(text):
            return Answer(_("OK. If it hasn't arrived in a day or two, just tell me and I'll pass it to our team."))
        if not _YES.match(text):
            return None
        order = _owned_or_proven(conversation, pending["order"])
        return Answer(_("I'm passing order %(number)s to our support team, who will look into it with the "
                        "carrier and reply right here.") % {"number": order.number}, handoff="contact_human_agent", handoff_order_id=order.id)
    if kind == "new_address":
        if _NO.search(text):
            return Answer(_("OK, I've left the address as it was."))
        try:
            order = order_address_change(order_id=_owned(conversation, pending["order"]).id, address=text)
        except OrderChangeRefused as refused:
            return Answer(str(refused), pending=pending if "full address" in str(refused) else None)
        return Answer(_("Done: order %(number)s will now be delivered to:\n%(address)s")
                      % {"number": order.number, "address": order.shipping_address}, sources=_order_link(order))
    return None


def _code_answer(conversation: Conversation, pending: dict, text: str) -> Answer | None:
    """Read `text` as the code emailed for a change to a guest order."""
    order = next((o for o in customer_orders(conversation) if o.number == pending.get("order")), None)
    if order is None:
        return None
    if _RESEND.search(text):
        return _ask_for_code(conversation, pending["intent"], order)
    code = _CODE.search(text)
    if code is None:
        if _NO.search(text):
            return Answer(_("OK, order %(number)s stays as it is.") % {"number": order.number})
        return None
    if not proofs.proof_allowed(conversation=conversation):
        return Answer(str(TOO_MANY_TRIES), sources=_sign_in(), pending=pending)
    checked = proofs.order_code_check(conversation=conversation, order=order, code=code.group(1) + code.group(2))
    if checked is proofs.CodeCheck.RIGHT:
        proofs.order_proof_record(conversation=conversation, order=order, to=proofs.CHANGE)
        return _order_intent_answer(conversation=conversation, intent=pending["intent"], order=order,
                                    request=pending.get("request", ""))
    proofs.proof_failed(conversation=conversation)
    if checked is proofs.CodeCheck.WRONG:
        return Answer(_("That code isn't right. Please check the email and type the 6-digit code again."), pending=pending)
    return Answer(_("That code can't be used any more: it has expired, was used, or was tried too many times. "
                    "Say \"new code\" and I'll send another."), pending=pending)


def _owned(conversation: Conversation, number: int) -> Order:
    """The order `number` if this conversation may change it (see `_may_change`)."""
    for order in customer_orders(conversation):
        if order.number == number and _may_change(conversation, order):
            return order
    raise OrderChangeRefused(_("I can't find order %(number)s on your account any more.") % {"number": number})


def _owned_or_proven(conversation: Conversation, number: int) -> Order:
    """The order `number` if this conversation may read it (its account's, or a guest order proved here)."""
    for order in customer_orders(conversation):
        if order.number == number:
            return order
    raise OrderChangeRefused(_("I can't find order %(number)s any more.") % {"number": number})


def _chosen(conversation: Conversation, numbers: list[int], text: str) -> Order | None:
    orders = [o for o in customer_orders(conversation) if o.number in numbers]
    orders.sort(key=lambda o: numbers.index(o.number))
    lowered = text.lower()
    number = _ORDER_NUMBER.search(text)
    if number:
        return next((o for o in orders if o.number == int(number.group(1))), None)
    for word, position in _ORDINALS.items():
        if re.search(rf"\b{word}\b", lowered) and orders:
            return orders[position] if -len(orders) <= position < len(orders) else None
    digit = re.fullmatch(r"\s*#?([1-5])\s*\.?\s*", text)
    if digit and int(digit.group(1)) <= len(orders):
        return orders[int(digit.group(1)) - 1]
    words = set(re.findall(r"[a-z]{3,}", lowered)) - {"the", "one", "with", "order", "and"}
    scored = [(len(words & set(re.findall(r"[a-z]{3,}", " ".join(i.product.name.lower() + " " + i.product.colour.lower()
                                                              for i in o.items.all())))), o) for o in orders]
    scored = [s for s in scored if s[0] > 0]
    if scored:
        scored.sort(key=lambda s: -s[0])
        if len(scored) == 1 or scored[0][0] > scored[1][0]:
            return scored[0][1]
    return None
