"""PO boxes (help: shipping-and-delivery, addresses): "you can have your order delivered to a PO box, but only with
Standard shipping. Express, Next-day and International delivery need a street address". Checkout, the saved-address
form and an order's new address recognise a PO box in the shop's languages and refuse the other options for it.
"""
from __future__ import annotations

import html
from decimal import Decimal

import pytest
from django.test import Client

from shoppe.checkout import CheckoutRefused, order_place
from shoppe.models import Address, Order, Product

pytestmark = pytest.mark.django_db
GUEST = {"email": "gwen@example.test", "recipient": "Gwen Guest", "street": "PO Box 123", "postcode": "3500 AA",
         "city": "Utrecht", "country": "Netherlands", "delivery": "Express"}
CARD = {"cardholder": "Gwen Guest", "card_number": "4242 4242 4242 4242"}
PO_BOXES = [("PO Box 123", "Netherlands"), ("P.O. Box 45", "Ireland"), ("Postbus 123", "Netherlands"),
            ("Postfach 123", "Germany"), ("BP 123", "France"), ("Boîte postale 7", "Belgium"),
            ("Apartado de correos 123", "Spain"), ("Apdo. 45", "Spain")]


@pytest.fixture
def lamp() -> Product:
    return Product.objects.create(slug="blue-ceramic-table-lamp", name="Blue ceramic table lamp", category="Lamps",
                                  description="A lamp.", price=Decimal("64.00"), stock=9)


def _page(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("street,country", PO_BOXES)
def test_checkout_refuses_express_for_a_po_box_and_standard_works(client: Client, lamp: Product, street: str,
                                                                  country: str) -> None:
    client.post("/cart/add/blue-ceramic-table-lamp/")
    address = {**GUEST, "street": street, "country": country}
    refused = client.post("/checkout/", address)
    assert refused.status_code == 200
    assert "Express delivery can't go to a PO box" in _page(refused) and "Choose Standard delivery" in _page(refused)
    assert client.post("/checkout/", {**address, "delivery": "Standard"})["Location"] == "/checkout/payment/"
    client.post("/checkout/payment/", CARD)
    order = Order.objects.get()
    assert order.delivery_option == "Standard" and street in order.shipping_address


def test_next_day_and_international_are_refused_for_a_po_box_too(client: Client, lamp: Product) -> None:
    client.post("/cart/add/blue-ceramic-table-lamp/")
    next_day = client.post("/checkout/", {**GUEST, "street": "Postbus 4021", "delivery": "Next-day"})
    assert "Next-day delivery can't go to a PO box" in _page(next_day)
    abroad = client.post("/checkout/", {**GUEST, "country": "United Kingdom", "delivery": "International"})
    assert abroad.status_code == 200
    assert "A PO box can be used only with Standard delivery, which goes to EU countries" in _page(abroad)
    assert not Order.objects.exists()


def test_a_street_address_that_only_looks_like_one_is_not_a_po_box(client: Client, lamp: Product) -> None:
    client.post("/cart/add/blue-ceramic-table-lamp/")
    for street in ("Postbuslaan 4", "Postfachstraße 3", "Bpstraat 2", "Apartamento 3B, Calle Mayor 5"):
        assert client.post("/checkout/", {**GUEST, "street": street})["Location"] == "/checkout/payment/", street


def test_the_error_is_in_the_customers_language(client: Client, lamp: Product) -> None:
    client.post("/cart/add/blue-ceramic-table-lamp/")
    assert "kan niet naar een postbus" in _page(client.post("/nl/checkout/", {**GUEST, "street": "Postbus 123"}))
    assert "nicht an ein Postfach" in _page(client.post("/de/checkout/", {**GUEST, "street": "Postfach 123"}))
    assert "boîte postale" in _page(client.post("/fr/checkout/", {**GUEST, "street": "BP 123"}))
    assert "apartado de correos" in _page(client.post("/es/checkout/", {**GUEST, "street": "Apdo. 45"}))


def test_a_saved_po_box_at_checkout_takes_standard_only(client: Client, make_customer, lamp: Product) -> None:
    alice = make_customer("alice")
    box = Address.objects.create(customer=alice.customer, recipient="Alice Jansen", street="Postbus 4021",
                                 postcode="1009 AA", city="Amsterdam", is_default=True)
    client.force_login(alice)
    client.post("/cart/add/blue-ceramic-table-lamp/")
    refused = client.post("/checkout/", {"saved_address": str(box.id), "delivery": "Express"})
    assert refused.status_code == 200 and "Express delivery can't go to a PO box" in _page(refused)
    assert client.post("/checkout/", {"saved_address": str(box.id), "delivery": "Standard"}).status_code == 302


def test_the_saved_address_form_recognises_a_po_box(client: Client, make_customer) -> None:
    client.force_login(make_customer("alice"))
    box = {"recipient": "Alice Jansen", "street": "Postfach 1234", "postcode": "10117", "city": "Berlin",
           "country": "Germany"}
    saved = client.post("/account/addresses/new/", box, follow=True)
    assert "It's a PO box, so choose Standard delivery" in _page(saved)
    assert "PO box: Standard delivery only" in _page(client.get("/account/addresses/"))
    abroad = client.post("/account/addresses/new/", {**box, "country": "Switzerland"})
    assert abroad.status_code == 200
    assert "A PO box can be used only with Standard delivery" in _page(abroad) and "Switzerland" in _page(abroad)
    assert Address.objects.count() == 1


def test_an_express_order_cannot_move_to_a_po_box(client: Client, make_customer, make_order) -> None:
    alice = make_customer("alice")
    client.force_login(alice)
    order = make_order(alice, status="processing")
    Order.objects.filter(id=order.id).update(delivery_option="Express")
    refused = client.post(f"/orders/{order.number}/address/", {"recipient": "Alice", "street": "Postbus 4021",
                                                                "postcode": "1009 AA", "city": "Amsterdam",
                                                                "country": "Netherlands"})
    assert refused.status_code == 400 and "Express delivery can't go to a PO box" in _page(refused)
    order.refresh_from_db()
    assert "Postbus" not in order.shipping_address


def test_the_service_refuses_express_to_a_po_box_whatever_the_form(lamp: Product) -> None:
    with pytest.raises(CheckoutRefused, match="PO box"):
        order_place(lines=[(lamp.id, 1)], email="gwen@example.test", customer=None, country="Netherlands",
                    address="Gwen Guest\nPostbus 123\n3500 AA Utrecht\nNetherlands", delivery="Express")
    assert not Order.objects.exists()
