"""Checkout: delivery options and their cost, turning a paid cart into an order, and paying an order left unpaid.

The payment step is a demo (no money moves): a card number that passes the Luhn check is
accepted, except the test card that is always declined; the other methods (PayPal, iDEAL, ...)
are confirmed at once. A gift card pays first, up to the total; the chosen method pays the rest.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy

from shoppe.po_boxes import PO_BOX_DELIVERY, is_po_box
from shoppe.addresses import address_in_language
from shoppe.gift_cards import GiftCardRefused, gift_card_spend
from shoppe.guest_orders import order_link_path
from shoppe.limits import DAY_S, within_limit
from shoppe.models import COUNTRY_NAMES, EU_COUNTRIES, Customer, Invoice, Order, OrderItem, Product, money

log = logging.getLogger(__name__)

FREE_STANDARD_OVER = Decimal("50.00")
DECLINED_TEST_CARD = "4000000000000002"
FIRST_ORDER_NUMBER = 10001
PAID = Order.Status.PROCESSING  # where a paid order starts: prepared and packed from here


# The options by the name orders store (English), with the name customers read in their language.
DELIVERY_NAMES = {"Standard": pgettext_lazy("delivery option", "Standard"),
                  "Express": pgettext_lazy("delivery option", "Express"),
                  "Next-day": pgettext_lazy("delivery option", "Next-day"),
                  "International": pgettext_lazy("delivery option", "International")}


def delivery_name(name: str) -> str:
    """A delivery option's name in the customer's language ("Standard" -> "Standaard")."""
    return str(DELIVERY_NAMES.get(name, name))


@dataclass(frozen=True)
class DeliveryOption:
    name: str
    cost: Decimal
    days: str


def delivery_options(*, country: str, items_total: Decimal) -> list[DeliveryOption]:
    """What can be chosen for an address in `country` (help: shipping-and-delivery)."""
    if country in EU_COUNTRIES:
        standard = Decimal("0.00") if items_total > FREE_STANDARD_OVER else Decimal("4.95")
        options = [DeliveryOption("Standard", standard, gettext_lazy("3-5 business days")),
                   DeliveryOption("Express", Decimal("9.95"), gettext_lazy("1-2 business days"))]
        if country in {"Netherlands", "Belgium"}:
            options.append(DeliveryOption("Next-day", Decimal("14.95"), gettext_lazy("next business day, ordered before 15:00")))
        return options
    if country in {"United States", "Canada"}:
        return [DeliveryOption("International", Decimal("24.95"), gettext_lazy("7-12 business days"))]
    return [DeliveryOption("International", Decimal("12.95"), gettext_lazy("5-8 business days"))]


def delivery_option_get(*, name: str, country: str, items_total: Decimal) -> DeliveryOption | None:
    return next((o for o in delivery_options(country=country, items_total=items_total) if o.name == name), None)


def card_number_valid(number: str) -> bool:
    """The Luhn check every real card number passes."""
    digits = [int(d) for d in number]
    checksum = sum(digits[-1::-2]) + sum(sum(divmod(2 * d, 10)) for d in digits[-2::-2])
    return 12 <= len(digits) <= 19 and checksum % 10 == 0


class CheckoutRefused(Exception):
    """The order cannot be placed as it is; the message says why, for the customer."""


def _next_number() -> int:
    return (Order.objects.aggregate(highest=Max("number"))["highest"] or FIRST_ORDER_NUMBER - 1) + 1


def order_place(*, lines: list[tuple[int, int]], email: str, customer: Customer | None, address: str, country: str,
                delivery: str, payment_method: str = Order.PaymentMethod.CARD, gift_card_code: str = "",
                company_name: str = "", vat_number: str = "", billing_address: str = "", site_url: str = "") -> Order:
    """Place an order for `lines` ((product id, quantity)): stock taken, order, items and invoice, all or nothing.

    A product that no longer has the stock refuses the whole order and takes nothing. Prices are the
    catalogue's at this moment. `customer` None: a guest order, known by its number and `email`.
    With `gift_card_code` the card pays first, up to the total, and `payment_method` the rest;
    `payment_method` "gift_card" says there is no other method, so a card that no longer covers
    the total refuses the order. `company_name`, `vat_number` and `billing_address` go on the invoice. `site_url` is
    the shop's address for the link to the order's page in the confirmation email.
    """
    if not lines:
        raise CheckoutRefused(gettext("Your cart is empty."))
    with transaction.atomic():
        products = Product.objects.in_bulk([product_id for product_id, _ in lines])
        for product_id, quantity in lines:
            product = products.get(product_id)
            if product is None or quantity < 1:
                raise CheckoutRefused(gettext("A product in your cart is no longer available. Please check your cart."))
            # One conditional UPDATE: two checkouts of the last item cannot both take it.
            if not Product.objects.filter(id=product_id, stock__gte=quantity).update(stock=F("stock") - quantity):
                left = Product.objects.get(id=product_id).stock
                raise CheckoutRefused(gettext("Sorry, only %(left)s × %(product)s left in stock. Please update your cart.")
                                      % {"left": left, "product": product.local_name})
        items_total = sum((products[p].price * q for p, q in lines), Decimal("0.00"))
        option = delivery_option_get(name=delivery, country=country, items_total=items_total)
        if option is not None and option.name != PO_BOX_DELIVERY and is_po_box("\n".join(address.splitlines()[1:])):
            raise CheckoutRefused(gettext("%(option)s delivery can't go to a PO box: the carrier needs a street "
                                          "address to hand over the parcel. Choose Standard delivery, or use a "
                                          "street address.") % {"option": delivery_name(delivery)})
        if option is None:
            raise CheckoutRefused(gettext("%(option)s delivery isn't available to %(country)s.")
                                  % {"option": delivery_name(delivery), "country": COUNTRY_NAMES.get(country, country)})
        order = _order_create(customer=customer, email=email, address=address, option=option)
        OrderItem.objects.bulk_create([OrderItem(order=order, product=products[p], quantity=q,
                                                 unit_price=products[p].price) for p, q in lines])
        _order_pay(order, total=items_total + option.cost, method=payment_method, gift_card_code=gift_card_code)
        _invoice_issue(order, company_name=company_name, vat_number=vat_number, billing_address=billing_address)
    transaction.on_commit(lambda: order_confirmation_send(order_id=order.id, site_url=site_url))
    return order


def order_pay(*, order_id: int, payment_method: str, site_url: str = "") -> Order:
    """Pay an order left waiting for its payment (a card declined at checkout) as checkout pays one: the method
    recorded, the order on to processing with its invoice, and the confirmation email once committed.

    Its stock was taken when it was placed (`order_place` takes it before the payment), so none is taken again.
    An order no longer waiting (paid meanwhile in another tab, or cancelled) refuses, and nothing changes.
    """
    with transaction.atomic():
        order = Order.objects.select_for_update().get(id=order_id)
        if refused := order_payment_refusal(order):
            raise CheckoutRefused(refused)
        _order_pay(order, total=order.paid_by_method, method=payment_method, gift_card_code="")
        order.status = PAID
        order.save(update_fields=["status"])
        if not Invoice.objects.filter(order=order).exists():
            _invoice_issue(order)
    transaction.on_commit(lambda: order_confirmation_send(order_id=order.id, site_url=site_url))
    return order


def order_payment_refusal(order: Order) -> str | None:
    """Why `order` cannot be paid, for the customer; None while it waits for its payment."""
    if order.status == Order.Status.PENDING_PAYMENT:
        return None
    if order.status == Order.Status.CANCELLED:
        return gettext("Order %(number)s is cancelled, so there is nothing to pay.") % {"number": order.number}
    return gettext("Order %(number)s is already paid.") % {"number": order.number}


def _invoice_issue(order: Order, *, company_name: str = "", vat_number: str = "", billing_address: str = "") -> None:
    Invoice.objects.create(order=order, number=f"INV-{timezone.now():%Y}-{order.number}",
                           company_name=company_name.strip(), vat_number=vat_number.strip(),
                           billing_address=billing_address.strip())


def _order_create(*, customer: Customer | None, email: str, address: str, option: DeliveryOption) -> Order:
    for _ in range(5):
        try:
            with transaction.atomic():  # a savepoint: a number taken meanwhile is retried, not fatal
                return Order.objects.create(
                    number=_next_number(), customer=customer, email=email, status=PAID,
                    shipping_address=address, delivery_option=option.name, shipping_cost=option.cost,
                    language=translation.get_language() or "")
        except IntegrityError:
            continue
    raise CheckoutRefused(gettext("We couldn't place your order just now. Please try again."))


def _order_pay(order: Order, *, total: Decimal, method: str, gift_card_code: str) -> None:
    """Record how `order` is paid: the gift card's part (its balance taken under a row lock), then the method's."""
    if method not in Order.PaymentMethod.values:
        raise CheckoutRefused(gettext("Please choose how to pay."))
    if gift_card_code:
        try:
            card, paid = gift_card_spend(code=gift_card_code, amount_due=total)
        except GiftCardRefused as refused:
            raise CheckoutRefused(str(refused)) from None
        if paid < total and method == Order.PaymentMethod.GIFT_CARD:
            raise CheckoutRefused(gettext("Your gift card now has %(left)s left, less than the total. "
                                          "Please choose how to pay the rest.") % {"left": money(paid, order.currency)})
        order.gift_card, order.gift_card_amount = card, paid
        if paid == total:
            method = Order.PaymentMethod.GIFT_CARD
    elif method == Order.PaymentMethod.GIFT_CARD:
        raise CheckoutRefused(gettext("Please enter your gift card code, or choose another way to pay."))
    order.payment_method = method
    order.save(update_fields=["gift_card", "gift_card_amount", "payment_method"])


def order_confirmation_send(*, order_id: int, site_url: str = "") -> None:
    """The confirmation email with the order number and, given the shop's address `site_url` (or SITE_URL), the link to
    the order's page, in the order's language; a mail server that is down does not undo the order."""
    order = Order.objects.prefetch_related("items__product__translations").get(id=order_id)
    # Anyone can place an order with any address (a guest's is not verified): past this many a day, an address
    # gets no more confirmations (the order stands; its page and the chat show it), so the checkout cannot be
    # used to flood an inbox with a name or street of someone's choosing.
    if not within_limit("order-confirmations", order.email, per_seconds=DAY_S,
                        limit=settings.ORDER_EMAILS_PER_ADDRESS_PER_DAY):
        log.warning("order %s: no confirmation email, its address had %s today", order.number,
                    settings.ORDER_EMAILS_PER_ADDRESS_PER_DAY)
        return
    with translation.override(order.mail_language):
        _confirmation_send(order, site_url=site_url or settings.SITE_URL)


def _order_page_line(order: Order, *, site_url: str) -> str:
    """The link to the order's page: a guest's opens without an account (shoppe.guest_orders), so a guest has the
    page to follow the order, print the invoice and pay, whatever became of their chat (a walkthrough: the email had
    no link, and the page went with the chat)."""
    if not site_url:
        return ""
    return gettext("Your order's page, to follow it and print the invoice: %(link)s") % {
        "link": site_url.rstrip("/") + order_link_path(order)} + "\n\n"


def _confirmation_send(order: Order, *, site_url: str) -> None:
    lines = "\n".join(f"  {i.quantity} × {i.product.local_name}  {money(i.line_total, order.currency)}"
                      for i in order.items.all())
    delivery = gettext("%(option)s delivery") % {"option": delivery_name(order.delivery_option)}
    body = (gettext("Thank you for your order!") + "\n\n" + gettext("Order number: %(number)s") % {"number": order.number}
            + f"\n\n{lines}\n"
            f"  {delivery}  {money(order.shipping_cost, order.currency)}\n"
            f"  {gettext('Total')}  {money(order.total, order.currency)}\n{_paid_lines(order)}\n"
            + gettext("Delivery address") + f":\n{address_in_language(order.shipping_address)}\n\n"
            + _order_page_line(order, site_url=site_url)
            + gettext("Questions? Ask our assistant in the chat on the site: give it your order number and this "
                      "email address.") + "\n\nExample Shoppe")
    try:
        send_mail(gettext("Your Example Shoppe order %(number)s") % {"number": order.number}, body, None, [order.email])
    except Exception:  # noqa: BLE001
        log.exception("the confirmation email for order %s could not be sent", order.number)


def _paid_lines(order: Order) -> str:
    """How the total was paid, for the confirmation email."""
    lines = ""
    if order.gift_card_amount:
        paid = gettext("Paid with gift card …%(last4)s") % {"last4": order.gift_card.code[-4:]}
        lines += f"  {paid}  {money(order.gift_card_amount, order.currency)}\n"
    if order.paid_by_method:
        paid = gettext("Paid with %(method)s") % {"method": order.get_payment_method_display()}
        lines += f"  {paid}  {money(order.paid_by_method, order.currency)}\n"
    return lines
