"""The payment methods, billing address and business invoice details the help names, at checkout (#15 item 3)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from shoppe.models import Order, Product

pytestmark = pytest.mark.django_db
GUEST = {"email": "gwen@example.test", "recipient": "Gwen Guest", "street": "Oudegracht 99", "postcode": "3511 AB",
         "city": "Utrecht", "country": "Netherlands", "delivery": "Standard"}


@pytest.fixture(autouse=True)
def lamp() -> Product:
    return Product.objects.create(slug="blue-ceramic-table-lamp", name="Blue ceramic table lamp", category="Lamps",
                                  description="A lamp.", price=Decimal("64.00"), stock=5)


@pytest.mark.parametrize("method,label", [("paypal", "PayPal"), ("ideal", "iDEAL"), ("bancontact", "Bancontact"),
                                          ("apple_pay", "Apple Pay"), ("google_pay", "Google Pay"),
                                          ("klarna", "Klarna (pay in 30 days)")])
def test_each_method_the_help_names_places_an_order_paid_that_way(client: Client, method: str, label: str) -> None:
    client.post("/cart/add/blue-ceramic-table-lamp/")
    client.post("/checkout/", GUEST)
    page = client.get("/checkout/payment/").content.decode()
    assert f'value="{method}"' in page and label in page
    client.post("/checkout/payment/", {"method": method})  # no card number: the method confirms it
    order = Order.objects.get()
    assert order.payment_method == method and order.status == Order.Status.PROCESSING
    assert f"Paid with {label}</td><td>€64.00" in client.get(f"/checkout/done/{order.number}/").content.decode()


def test_a_card_still_needs_a_valid_number(client: Client) -> None:
    client.post("/cart/add/blue-ceramic-table-lamp/")
    client.post("/checkout/", GUEST)
    refused = client.post("/checkout/payment/", {"method": "card", "cardholder": "Gwen"})
    assert b"card number isn" in refused.content and not Order.objects.exists()
    assert client.post("/checkout/payment/", {"method": "bitcoin"}).status_code == 200 and not Order.objects.exists()


def test_company_vat_number_and_billing_address_go_on_the_invoice(client: Client, make_customer) -> None:
    alice = make_customer("alice")
    client.force_login(alice)
    client.post("/cart/add/blue-ceramic-table-lamp/")
    client.post("/checkout/", {**GUEST, "email": "", "company_name": "Jansen Interieur B.V.",
                               "vat_number": "nl 8234.56.789 b01", "billing_address": "Postbus 12\n1000 AA Amsterdam"})
    client.post("/checkout/payment/", {"method": "ideal"})
    order = Order.objects.get()
    assert (order.invoice.company_name, order.invoice.vat_number) == ("Jansen Interieur B.V.", "NL823456789B01")
    invoice = client.get(f"/orders/{order.number}/invoice/").content.decode()
    assert "Jansen Interieur B.V. (VAT NL823456789B01)" in invoice and "Postbus 12" in invoice
    assert "Paid with iDEAL" in invoice


def test_a_vat_number_without_a_country_prefix_is_refused(client: Client) -> None:
    client.post("/cart/add/blue-ceramic-table-lamp/")
    refused = client.post("/checkout/", {**GUEST, "vat_number": "123456789"})
    assert refused.status_code == 200 and b"starts with the country" in refused.content
