"""Changes customers may make to their own orders (through the site or the assistant)."""
from __future__ import annotations

import logging
from decimal import Decimal

from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from shoppe.gift_cards import gift_card_refund
from shoppe.models import Order, money

log = logging.getLogger(__name__)

CANCELLABLE_FREE = {Order.Status.PENDING_PAYMENT, Order.Status.PROCESSING}
CANCELLATION_FEE_WHEN_PACKED = Decimal("5.00")
ADDRESS_CHANGEABLE = {Order.Status.PENDING_PAYMENT, Order.Status.PROCESSING}


class OrderChangeRefused(Exception):
    """The order's state does not allow the change; the message says why, for the customer."""


def order_cancellation_fee(*, order: Order) -> Decimal | None:
    """The fee to cancel now, or None when the order can no longer be cancelled."""
    if order.status in CANCELLABLE_FREE:
        return Decimal("0.00")
    if order.status == Order.Status.PACKED:
        return CANCELLATION_FEE_WHEN_PACKED
    return None


def order_cancel(*, order_id: int) -> Order:
    """Cancel an order that has not shipped: a gift card's part goes back on the card, and an email confirms it.

    The handling fee of a packed order is kept from what the payment method paid first, then
    from the gift card's part (help: order-changes-and-cancellation, refund-policy).
    """
    with transaction.atomic():
        order = Order.objects.select_for_update().get(id=order_id)
        fee = order_cancellation_fee(order=order)
        if fee is None:
            raise OrderChangeRefused(gettext("Order %(number)s is %(status)s and can no longer be cancelled.")
                                     % {"number": order.number, "status": order.get_status_display().lower()})
        unpaid = order.status == Order.Status.PENDING_PAYMENT
        order.status = Order.Status.CANCELLED
        order.cancellation_fee = fee  # what the order page and the emails say was kept
        order.save(update_fields=["status", "cancellation_fee"])
        if order.gift_card_id and order.gift_card_amount:
            back = order.gift_card_amount - max(Decimal("0.00"), fee - order.paid_by_method)
            if back > 0:
                gift_card_refund(card_id=order.gift_card_id, amount=back)
    transaction.on_commit(lambda: _cancellation_send(order, fee, unpaid=unpaid))
    return order


def _cancellation_send(order: Order, fee: Decimal, *, unpaid: bool = False) -> None:
    with translation.override(order.mail_language):
        _cancellation_email(order, fee, unpaid=unpaid)


def _cancellation_email(order: Order, fee: Decimal, *, unpaid: bool = False) -> None:
    body = gettext("Your order %(number)s is cancelled.") % {"number": order.number}
    if fee:
        body += " " + gettext("A handling fee of %(fee)s is kept, because the order was already packed.") % {
            "fee": money(fee, order.currency)}
    # The gift card only when one paid (it was mentioned to everyone: session 26's walkthrough).
    back = (gettext("Anything you paid goes back to where it came from: a gift card's part onto the gift card straight "
                    "away, the rest to your original payment method within 5 business days.")
            if order.gift_card_id and order.gift_card_amount else
            gettext("What you paid goes back to your original payment method within 5 business days."))
    if unpaid:  # an order never paid has nothing to give back
        back = gettext("It was never paid, so nothing is charged.")
    body += "\n\n" + back + "\n\nExample Shoppe"
    try:
        send_mail(gettext("Your Example Shoppe order %(number)s is cancelled") % {"number": order.number}, body, None, [order.email])
    except Exception:  # noqa: BLE001 - a mail server that is down does not undo the cancellation
        log.exception("the cancellation email for order %s could not be sent", order.number)


def address_refusal(address: str) -> str | None:
    """Why `address` can't be an order's delivery address (not a full one), or None."""
    address = address.strip()
    if len(address) < 10 or not any(ch.isdigit() for ch in address):
        return gettext("That doesn't look like a full address: please give street and number, postcode and city.")
    return None


def same_delivery(order: Order, country: str) -> bool:
    """Whether the order's delivery option goes to `country` at the price it has where the order goes now: else a new
    address there changes what the delivery costs or whether it is possible, which a person sorts out."""
    from shoppe.checkout import delivery_option_get
    from shoppe.returns import order_country

    there = delivery_option_get(name=order.delivery_option, country=country, items_total=order.items_total)
    here = delivery_option_get(name=order.delivery_option, country=order_country(order), items_total=order.items_total)
    return there is not None and (here is None or here.cost == there.cost)


def order_address_change(*, order_id: int, address: str) -> Order:
    address = address.strip()
    if refusal := address_refusal(address):
        raise OrderChangeRefused(refusal)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(id=order_id)
        if order.status not in ADDRESS_CHANGEABLE:
            raise OrderChangeRefused(
                gettext("Order %(number)s is already %(status)s, so its address can't be changed any more.")
                % {"number": order.number, "status": order.get_status_display().lower()}
            )
        order.shipping_address = address
        order.save(update_fields=["shipping_address"])
    return order
