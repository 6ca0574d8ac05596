"""Changes customers may make to their own orders (through the site or the assistant)."""
from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from shoppe.models import Order

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
    with transaction.atomic():
        order = Order.objects.select_for_update().get(id=order_id)
        if order_cancellation_fee(order=order) is None:
            raise OrderChangeRefused(f"Order {order.number} is {order.get_status_display().lower()} and can no longer be cancelled.")
        order.status = Order.Status.CANCELLED
        order.save(update_fields=["status"])
    return order


def order_address_change(*, order_id: int, address: str) -> Order:
    address = address.strip()
    if len(address) < 10 or not any(ch.isdigit() for ch in address):
        raise OrderChangeRefused("That doesn't look like a full address: please give street and number, postcode and city.")
    with transaction.atomic():
        order = Order.objects.select_for_update().get(id=order_id)
        if order.status not in ADDRESS_CHANGEABLE:
            raise OrderChangeRefused(
                f"Order {order.number} is already {order.get_status_display().lower()}, so its address can't be changed any more."
            )
        order.shipping_address = address
        order.save(update_fields=["shipping_address"])
    return order
