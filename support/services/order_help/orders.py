"""The orders a conversation may see and change, and how the assistant names them and their statuses.

Every order is looked up through the conversation's owner: a signed-in customer sees
their own orders; anyone may also see a *guest* order they proved with its number and
the email it was placed with. Changing, cancelling or asking a refund on a guest order
also needs the one-time code emailed to it (`support.services.proofs`).
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _, gettext_lazy, pgettext_lazy

from rag.documents import help_language, localized_path
from shoppe.dates import day_text
from shoppe.models import Order, OrderItem
from shoppe.selectors import guest_order_list_by_numbers, order_list_for_user
from shoppe.services import OrderChangeRefused
from support.models import Conversation
from support.services import proofs

ORDER_NUMBER = re.compile(r"\b(\d{5})\b")
# A number the message names as an order ("order 10038", "bestelling 10038", "#10038"), in the shop's languages.
_ORDER_NAMED = re.compile(r"(?:order|bestelling|bestelnummer|bestellung|bestellnummer|commande|pedido|ordine|"
                          r"zam[oó]wieni\w*|encomenda|#)\W{0,3}(\d{5})\b", re.IGNORECASE)
# The postcode of an address written in the message: after a house number or a comma, before a town ("Hauptstraße 5,
# 10115 Berlin", "Friedrichstraße 100, 10117 Berlin"). Berlin's postcodes look like the shop's order numbers.
_POSTCODE_IN_ADDRESS = re.compile(r"(?:\b\d{1,4}[a-zA-Z]?,?\s+|,\s*)(\d{5})\s+[^\W\d_]{2,}")
# Conversation.state's key for the order the assistant last answered about ("and when will it arrive?" means it).
ORDER_IN_FOCUS = "order_in_focus"

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
ACTIVE_STATUSES = [Order.Status.PENDING_PAYMENT, Order.Status.PROCESSING, Order.Status.PACKED, Order.Status.SHIPPED,
                   Order.Status.OUT_FOR_DELIVERY]

# Every failed proof reads the same: a wrong number, a wrong email, an order on an account.
NO_MATCH = gettext_lazy("That order number and email address don't match an order I can look up here. Please check both; "
            "if you ordered with an account, sign in to see it.")
TOO_MANY_TRIES = gettext_lazy("There have been too many tries that didn't match. Please try again later, or sign in.")
# The same to a signed-in customer, who cannot "sign in to see it": the order is not on their account, and whether it
# is someone else's is not said (the same words for an order that does not exist).
NO_MATCH_SIGNED_IN = gettext_lazy("That order isn't on your account, and the order number and email address don't "
                                  "match a guest order. Please check both. If someone else placed it with their own "
                                  "account, they can ask us about it while signed in.")
TOO_MANY_TRIES_SIGNED_IN = gettext_lazy("There have been too many tries that didn't match. Please try again later; "
                                        "your own orders are under My orders.")


def order_status_name(order: Order) -> str:
    """The order's status in the language being answered ("shipped", "verzonden")."""
    name = ORDER_STATUS_NAMES.get(order.status)
    return str(name) if name is not None else order.get_status_display().lower()


def refund_status_name(refund: object) -> str:
    name = REFUND_STATUS_NAMES.get(getattr(refund, "status", ""))
    return str(name) if name is not None else refund.get_status_display().lower()  # type: ignore[attr-defined]


def customer_orders(conversation: Conversation) -> list[Order]:
    """The orders this conversation's customer may see: their account's, and guest orders proved in it."""
    own = list(order_list_for_user(user=conversation.customer)[:10]) if conversation.customer_id else []
    proven = proofs.proven_order_numbers(conversation) - {o.number for o in own}
    return own + (list(guest_order_list_by_numbers(numbers=sorted(proven))) if proven else [])


def order_may_change(conversation: Conversation, order: Order) -> bool:
    """The signed-in owner may change an account's order; a guest order needs its emailed code first."""
    if order.customer_id is not None:
        return conversation.customer_id is not None and order.customer.user_id == conversation.customer_id
    return order.number in proofs.proven_order_numbers(conversation, to=proofs.CHANGE)


def order_owned(conversation: Conversation, number: int) -> Order:
    """The order `number` if this conversation may change it (see `order_may_change`)."""
    for order in customer_orders(conversation):
        if order.number == number and order_may_change(conversation, order):
            return order
    raise OrderChangeRefused(_("I can't find order %(number)s on your account any more.") % {"number": number})


def order_owned_or_proven(conversation: Conversation, number: int) -> Order:
    """The order `number` if this conversation may read it (its account's, or a guest order proved here)."""
    for order in customer_orders(conversation):
        if order.number == number:
            return order
    raise OrderChangeRefused(_("I can't find order %(number)s any more.") % {"number": number})


def item_line(item: OrderItem) -> str:
    return f"{item.quantity} × {item.product.local_name}"


def order_number_search(text: str) -> re.Match[str] | None:
    """The order number `text` names (its `group(1)`): one it calls an order first, else the first 5-digit number that
    is not the postcode of an address in it. "change the address to Hauptstraße 5, 10115 Berlin" was taken for order
    10115, and "no, 10115 is the postcode: order 10038" too (session 26's walkthrough)."""
    return _ORDER_NAMED.search(text) or next(_not_postcodes(text), None)


def order_numbers_in(text: str) -> list[int]:
    """Every 5-digit number in `text` that is not the postcode of an address in it."""
    return [int(m.group(1)) for m in _not_postcodes(text)]


def _not_postcodes(text: str) -> Iterator[re.Match[str]]:
    postcodes = {m.start(1) for m in _POSTCODE_IN_ADDRESS.finditer(text)}
    return (m for m in ORDER_NUMBER.finditer(text) if m.start(1) not in postcodes)


def order_meant(conversation: Conversation, text: str) -> Order | None:
    """The order a message is about: the one it names, else the one the conversation is about (`ORDER_IN_FOCUS`);
    only one this conversation may read."""
    named = order_number_search(text)
    number = int(named.group(1)) if named else conversation.state.get(ORDER_IN_FOCUS)
    return next((o for o in customer_orders(conversation) if o.number == number), None) if number else None


def order_named(conversation: Conversation, text: str) -> int | None:
    """The number of the order `text` names, if this conversation may read it: from then on the order talked about
    (`ORDER_IN_FOCUS`), whatever the answer was ("can I return something from order 10030?" got the returns page,
    and "and what does that cost?" then offered to cancel 10031, asked about before: session 35's walkthrough)."""
    named = order_number_search(text)
    if named is None:
        return None
    number = int(named.group(1))
    return number if any(o.number == number for o in customer_orders(conversation)) else None


def return_label_path(order: Order) -> str:
    """Where `order`'s return label is printed, in the language being answered in."""
    with translation.override(settings.LANGUAGE_CODE):
        label = reverse("order_return_label", args=[order.number])  # "/it/orders/…" would be no page
    return page_path(label)


def order_describe(order: Order) -> str:
    items = ", ".join(item_line(i) for i in order.items.all())
    return _("order %(number)s (%(items)s, placed %(date)s)") % {
        "number": order.number, "items": items, "date": day_text(order.placed_at)}


def page_path(path: str) -> str:
    """A storefront page (its English path, "/orders/") as that page in the language being answered in, as the help
    passages quoted to the customer name it (a language without help pages gets the plain path, which follows their
    cookie or browser to the page in their language: shoppe.locale_middleware)."""
    return localized_path(path, help_language(translation.get_language()))


def order_link(order: Order, *, guest_too: bool = False) -> list[dict[str, str]]:
    """The order's page as a source; none for a guest order, whose page asks to sign in to an account it has not
    (session 25's walkthrough: a guest's "Order 10038" led to the sign-in form). `guest_too`: a guest order's page
    opens for the browser whose chat proved it (shoppe.guest_orders), for its "Pay now"."""
    if order.is_guest and not guest_too:
        return []
    return [{"title": _("Order %(number)s") % {"number": order.number}, "url": page_path(f"/orders/{order.number}/")}]


def sign_in_link() -> list[dict[str, str]]:
    return [{"title": _("Sign in"), "url": page_path("/account/login/")}]


def no_match_answer_parts(conversation: Conversation, *, too_many: bool = False) -> tuple[str, list[dict[str, str]]]:
    """What a guest-order proof that did not match says, and the page it points to: sign in for a guest, their own
    orders for a signed-in customer."""
    if conversation.customer_id:
        return (str(TOO_MANY_TRIES_SIGNED_IN if too_many else NO_MATCH_SIGNED_IN),
                [{"title": _("My orders"), "url": page_path("/orders/")}])
    return str(TOO_MANY_TRIES if too_many else NO_MATCH), sign_in_link()
