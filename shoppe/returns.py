"""Returns (help: returns-and-exchanges): the free return label for EU orders, and who may print it.

A return is started when a refund request is filed for a delivered order, from its page in My
orders or in the chat. An order delivered in the EU then gets a free return label: the shop's
return address, the order number, the items being returned and a return code, with a barcode the
carrier scans. Outside the EU the customer arranges and pays the return shipping themselves.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from shoppe.guest_orders import order_for_page
from shoppe.models import COUNTRIES, EU_COUNTRIES, Order

# Where returned parcels go: the warehouse's returns desk.
RETURN_ADDRESS = ("Example Shoppe B.V.", "Returns department", "Distributieweg 12", "1043 AP Amsterdam", "Netherlands")
RETURN_STARTED = ("requested", "awaiting_second", "approved")  # a refund request that was not rejected


def order_country(order: Order) -> str:
    """The country an order goes to: its address's last line, or the Netherlands for an address without one."""
    lines = order.shipping_address.strip().splitlines()
    return lines[-1].strip() if lines and lines[-1].strip() in COUNTRIES else "Netherlands"


def free_return_label(order: Order) -> bool:
    """Whether the shop sends a free return label for `order`: delivered, to an EU country."""
    return order.status == Order.Status.DELIVERED and order_country(order) in EU_COUNTRIES


@dataclass(frozen=True)
class ReturnItem:
    product: str
    quantity: int


def refund_item_names(order: Order) -> dict[int, str]:
    """The names of `order`'s items in the customer's language, by item id: a refund request stores the
    English name (for staff) and the item's id."""
    return {item.id: item.product.local_name for item in order.items.all()}


def return_items(order: Order) -> list[ReturnItem]:
    """What the customer is sending back: the items of the order's refund requests that were not rejected, as many as
    they asked for (one mug of two, then the other: both)."""
    seen: dict[str, int] = {}
    names = refund_item_names(order)
    for asked in order.refund_requests.filter(status__in=RETURN_STARTED).order_by("created_at"):
        for item in asked.items:
            name = names.get(item.get("item_id"), item.get("product", ""))
            if name:
                seen[name] = seen.get(name, 0) + int(item.get("quantity") or 1)
    return [ReturnItem(name, quantity) for name, quantity in seen.items()]


def return_started(order: Order) -> bool:
    return order.refund_requests.filter(status__in=RETURN_STARTED).exists()


def return_code(order: Order) -> str:
    """The code on the label that tells the warehouse which order a parcel is: RT, the order number, a check part."""
    first = order.refund_requests.filter(status__in=RETURN_STARTED).order_by("created_at").first()
    check = hashlib.sha256(f"{order.number}:{first.id if first else 0}".encode()).hexdigest()[:4].upper()
    return f"RT{order.number}{check}"


# Code 39: each character is 9 elements (bar, space, bar, ...), 3 of them wide ("1").
_CODE39 = {
    "0": "000110100", "1": "100100001", "2": "001100001", "3": "101100000", "4": "000110001", "5": "100110000",
    "6": "001110000", "7": "000100101", "8": "100100100", "9": "001100100", "A": "100001001", "B": "001001001",
    "C": "101001000", "D": "000011001", "E": "100011000", "F": "001011000", "G": "000001101", "H": "100001100",
    "I": "001001100", "J": "000011100", "K": "100000011", "L": "001000011", "M": "101000010", "N": "000010011",
    "O": "100010010", "P": "001010010", "Q": "000000111", "R": "100000110", "S": "001000110", "T": "000010110",
    "U": "110000001", "V": "011000001", "W": "111000000", "X": "010010001", "Y": "110010000", "Z": "011010000",
    "-": "010000101", "*": "010010100",
}


def barcode_svg(code: str, *, height: int = 60) -> SafeString:
    """`code` as a Code 39 barcode in inline SVG (no image files, no packages); the text is printed under it."""
    narrow, wide, x = 2, 5, 10
    bars = []
    for char in f"*{code.upper()}*":
        for i, element in enumerate(_CODE39[char]):
            width = wide if element == "1" else narrow
            if i % 2 == 0:
                bars.append((x, width))
            x += width
        x += narrow  # the gap between characters
    width = x + 10
    rects = format_html_join("", '<rect x="{}" y="0" width="{}" height="{}"/>', ((bx, bw, height) for bx, bw in bars))
    return format_html(
        '<svg class="barcode" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        'role="img" aria-label="{code}"><rect width="{w}" height="{h}" fill="#fff"/><g fill="#000">{rects}</g>'
        '<text x="{mid}" y="{ty}" text-anchor="middle" font-family="monospace" font-size="14">{code}</text></svg>',
        w=width, h=height + 20, code=code, rects=rects, mid=width // 2, ty=height + 16)


def return_label_order(*, user: AbstractBaseUser | AnonymousUser, session: SessionBase, number: int) -> Order | None:
    """The order whose return label this person may open, or None: its owner, signed in; or, for a guest order,
    the browser whose chat conversation proved the order (with its emailed code) or filed its return. Whether it
    has a label: `no_label_reason`."""
    return order_for_page(user=user, session=session, number=number, to_change=True)


def no_label_reason(order: Order) -> str | None:
    """Why `order` has no return label, or None when it has one (a delivered EU order with a return started):
    "not_delivered", "outside_eu", "declined" (every refund request for it was turned down), "no_return"."""
    if order.status != Order.Status.DELIVERED:
        return "not_delivered"
    if not free_return_label(order):
        return "outside_eu"
    if return_started(order):
        return None
    return "declined" if order.refund_requests.exists() else "no_return"
