"""Where is my order, and where is my refund: the answers, and the late parcel passed to the team."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _, ngettext, pgettext

from shoppe.addresses import country_named_in
from shoppe.dates import moment_text, weekday_text
from shoppe.models import Order, money
from support.models import Conversation, RefundRequest
from support.services.answers import Answer
from support.services.order_help.orders import (ORDER_IN_FOCUS, order_link, order_meant, order_number_search,
                                                order_owned_or_proven, order_status_name, refund_status_name)
from support.services.order_help.yes_no import NO, YES


def track_order_answer(*, order: Order, link: list[dict[str, str]]) -> Answer:
    """Where the order is; a late one also gets the offer to pass it to the team (a `late_order` question)."""
    late_days = days_late(order)
    if late_days:
        # A date in the past is no expectation: say it is late, and offer what can be done.
        late = ngettext(
            "It was expected on %(date)s, so it's %(days)s day late. I'm sorry about that. Shall I pass this to "
            "our support team, so they can look into it with the carrier? (yes / no) You can also follow the "
            "latest scans with the carrier's tracking number.",
            "It was expected on %(date)s, so it's %(days)s days late. I'm sorry about that. Shall I pass this to "
            "our support team, so they can look into it with the carrier? (yes / no) You can also follow the "
            "latest scans with the carrier's tracking number.", late_days,
        ) % {"date": weekday_text(order.shipments.all()[0].estimated_delivery), "days": late_days}
        return Answer(
            f"{tracking_text(order, late=True)} {late}",
            sources=link, pending={"kind": "late_order", "intent": "track_order", "order": order.number})
    # Waiting for its payment: the order's page has "Pay now", a guest's too in the browser whose chat proved it.
    unpaid = order.status == Order.Status.PENDING_PAYMENT
    return Answer(tracking_text(order), sources=order_link(order, guest_too=True) if unpaid else link)


def with_order_payment(answer: Answer, *, conversation: Conversation, text: str) -> Answer:
    """A payment question about an order this conversation may read (named, or the one just talked about): `answer` (the
    help passage) opened with where that order's payment stands. "el pedido 10035 dice pendiente de pago pero ya pagué
    con tarjeta, me cobraron 2 veces???" got the passage on pre-authorisations and no word on 10035, which was still
    unpaid (session 29's walkthrough)."""
    order = order_meant(conversation, text)
    if order is None:
        return answer
    if order.status in (Order.Status.PENDING_PAYMENT, Order.Status.CANCELLED):
        line, sources = tracking_text(order), order_link(order, guest_too=order.status == Order.Status.PENDING_PAYMENT)
    else:
        line = _("Order %(number)s is paid: we received %(amount)s for it by %(method)s, once.") % {
            "number": order.number, "amount": money(order.paid_by_method or order.total, order.currency),
            "method": order.get_payment_method_display()}
        sources = order_link(order)
    return replace(answer, text=f"{line}\n\n{answer.text}", sources=[*sources, *answer.sources],
                   order_in_focus=order.number)


def late_order_reply(*, conversation: Conversation, pending: dict, text: str) -> Answer | None:
    """The customer's yes or no to passing a late order to the team."""
    if NO.search(text):
        return Answer(_("OK. If it hasn't arrived in a day or two, just tell me and I'll pass it to our team."))
    if not YES.match(text):
        return None
    order = order_owned_or_proven(conversation, pending["order"])
    return Answer(_("I'm passing order %(number)s to our support team, who will look into it with the "
                    "carrier and reply right here.") % {"number": order.number}, handoff="contact_human_agent", handoff_order_id=order.id)


def days_late(order: Order) -> int:
    """Days past the carrier's expected delivery of an order still on its way (0 when on time or delivered)."""
    if order.status not in {Order.Status.SHIPPED, Order.Status.OUT_FOR_DELIVERY}:
        return 0
    shipment = order.shipments.all()[0] if order.shipments.all() else None
    if shipment is None or shipment.estimated_delivery is None:
        return 0
    today: date = timezone.localdate()
    return max((today - shipment.estimated_delivery).days, 0)



def tracking_text(order: Order, *, late: bool = False) -> str:
    status = order_status_name(order)
    shipment = order.shipments.all()[0] if order.shipments.all() else None
    if order.status == Order.Status.CANCELLED:
        return _("Order %(number)s was cancelled, so it won't be shipped. Its payment is released or refunded "
                 "automatically.") % {"number": order.number}
    if order.status == Order.Status.PENDING_PAYMENT:
        # Not "it hasn't been handed to the carrier yet": nothing is prepared until it is paid (help: payment-problems).
        # Nothing cancels an unpaid order by itself; the order's page (the answer's link) has "Pay now" (session 28).
        return _("Order %(number)s is waiting for its payment, so we haven't started preparing it yet. With iDEAL and "
                 "some bank payments the confirmation can take up to 24 hours. If your payment didn't go through, you "
                 "can pay on the order's page (linked below) with \"Pay now\".") % {"number": order.number}
    if shipment is None:
        return _("Order %(number)s is %(status)s. It hasn't been handed to the carrier yet; you'll get a tracking "
                 "link by email when it ships.") % {"number": order.number, "status": status}
    events = list(shipment.events.all())
    parts = [_("Order %(number)s is %(status)s, with %(carrier)s (tracking number %(tracking)s).") % {
        "number": order.number, "status": status, "carrier": shipment.carrier, "tracking": shipment.tracking_number}]
    if events:
        parts.append(_("Latest update: %(update)s (%(place)s, %(when)s).") % {
            "update": events[-1].what, "place": events[-1].location,
            "when": moment_text(events[-1].happened_at)})
    if shipment.estimated_delivery and order.status != Order.Status.DELIVERED and not late:
        parts.append(_("Expected delivery: %(date)s.") % {
            "date": weekday_text(shipment.estimated_delivery)})
    return " ".join(parts)


def track_refund_answer(*, order: Order, link: list[dict[str, str]]) -> Answer:
    """The refund request waiting for a decision, or the refunds made, on `order`."""
    requested = [r for r in order.refund_requests.all() if r.status not in {"approved", "rejected"}]
    if requested:
        return Answer(_("Your refund request for order %(number)s (%(amount)s) is %(status)s. Our team will tell "
                        "you here as soon as it's decided.")
                      % {"number": order.number, "amount": money(requested[0].amount, order.currency),
                         "status": refund_request_status(requested[0])}, sources=link)
    refunds = list(order.refunds.all())
    if not refunds:
        return Answer(_("There's no refund on order %(number)s yet. If you'd like one, just ask and I'll "
                        "pass your request to our team.") % {"number": order.number}, sources=link)
    lines = [f"{money(r.amount, r.currency)}: {refund_status_name(r)}" for r in refunds]
    return Answer(_("Refunds on order %(number)s: %(refunds)s. Approved refunds reach your original payment "
                    "method within 5 business days.") % {"number": order.number, "refunds": "; ".join(lines)},
                  sources=link)


def refund_request_status(refund: object) -> str:
    names = {RefundRequest.Status.REQUESTED: pgettext("refund request status", "waiting for a decision"),
             RefundRequest.Status.AWAITING_SECOND: pgettext("refund request status", "waiting for a supervisor")}
    return names.get(getattr(refund, "status", ""), "") or refund.get_status_display().lower()  # type: ignore[attr-defined]


def with_order_expected(answer: Answer, *, conversation: Conversation, text: str) -> Answer:
    """A delivery-time question right after an order was talked about ("when will it arrive?"): `answer` (the help
    article) opened with that order's expected day, when it is on its way and not late (it got the article alone:
    session 26's walkthrough). Not when the message names an order or a country: then it asks about those."""
    if not conversation.state.get(ORDER_IN_FOCUS) or order_number_search(text) or country_named_in(text):
        return answer
    order = order_meant(conversation, text)
    shipment = order.shipments.all()[0] if order is not None and order.shipments.all() else None
    if order is None or order.status not in (Order.Status.SHIPPED, Order.Status.OUT_FOR_DELIVERY) \
            or shipment is None or shipment.estimated_delivery is None or days_late(order):
        return answer
    line = _("Your order %(number)s is expected on %(date)s.") % {
        "number": order.number, "date": weekday_text(shipment.estimated_delivery)}
    return replace(answer, text=f"{line}\n\n{answer.text}", order_in_focus=order.number)

