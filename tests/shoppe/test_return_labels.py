"""The free return label the help promises (returns-and-exchanges): "Attach the return label (for EU orders)...
we provide a free return label". Outside the EU the customer arranges their own shipping.
"""
from __future__ import annotations

import html
import re
import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from shoppe.models import Order
from support.models import Conversation, RefundRequest
from support.services.conversations import SESSION_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(client: Client, make_customer):  # type: ignore[no-untyped-def]
    user = make_customer("alice")
    client.force_login(user)
    return user


def _return_from_the_order_page(client: Client, order: Order) -> None:
    item = order.items.get()
    response = client.post(f"/orders/{order.number}/refund/", {"items": [str(item.id)], "reason": "Changed my mind"})
    assert response.status_code == 302


def test_a_delivered_eu_order_gets_a_printable_return_label_once_a_return_is_started(client: Client, alice,
                                                                                    make_order) -> None:
    order = make_order(alice, status="delivered")  # Keizersgracht 12, Amsterdam: the Netherlands
    order.delivered_at = timezone.now()
    order.save()
    assert "Download return label" not in client.get(f"/orders/{order.number}/").content.decode()
    assert client.get(f"/orders/{order.number}/return-label/").status_code == 404  # no return started

    _return_from_the_order_page(client, order)
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert "Download return label" in page and f"/orders/{order.number}/return-label/" in page
    assert "Refund request for Blue ceramic table lamp (€64.00)" in page  # the item's name, not a stored dict

    label = client.get(f"/orders/{order.number}/return-label/")
    assert label.status_code == 200
    body = label.content.decode()
    assert f"Return label for order {order.number}" in body
    assert "Returns department" in body and "Distributieweg 12" in body  # the shop's return address
    assert "1 × Blue ceramic table lamp" in body  # the item being returned
    code = re.search(r"RT\d+[0-9A-F]{4}", body).group(0)
    assert code.startswith(f"RT{order.number}")
    assert '<svg class="barcode"' in body and f'aria-label="{code}"' in body and body.count("<rect") > 40
    assert "data-print" in body


def test_the_label_lists_only_the_items_being_returned(client: Client, alice, make_order) -> None:
    order = make_order(alice, status="delivered")
    from shoppe.models import OrderItem, Product

    stool = Product.objects.create(slug="velvet-footstool", name="Velvet footstool", category="Furniture",
                                   description="A stool.", price=Decimal("89.00"), stock=3)
    OrderItem.objects.create(order=order, product=stool, quantity=1, unit_price=stool.price)
    response = client.post(f"/orders/{order.number}/refund/",
                           {"items": [str(order.items.get(product=stool).id)], "reason": "Too big"})
    assert response.status_code == 302
    body = client.get(f"/orders/{order.number}/return-label/").content.decode()
    assert "Velvet footstool" in body and "Blue ceramic table lamp" not in body


def test_an_order_outside_the_eu_gets_no_label_and_is_told_to_arrange_shipping(client: Client, alice,
                                                                               make_order) -> None:
    order = make_order(alice, status="delivered")
    order.shipping_address = "Alice Jansen\n221B Baker Street\nNW1 6XE London\nUnited Kingdom"
    order.save()
    _return_from_the_order_page(client, order)
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert "Download return label" not in page
    assert "you arrange and pay the return shipping yourself" in page
    assert client.get(f"/orders/{order.number}/return-label/").status_code == 404


def test_a_rejected_return_or_an_undelivered_order_has_no_label(client: Client, alice, make_order) -> None:
    order = make_order(alice, status="delivered")
    _return_from_the_order_page(client, order)
    RefundRequest.objects.filter(order=order).update(status=RefundRequest.Status.REJECTED)
    assert client.get(f"/orders/{order.number}/return-label/").status_code == 404
    assert "Download return label" not in client.get(f"/orders/{order.number}/").content.decode()


def test_the_owner_opening_a_label_that_is_gone_reads_why_in_their_language(client: Client, alice,
                                                                            make_order) -> None:
    # given a return whose refund request staff turned down: the chat's link to the label stays in the history
    order = make_order(alice, status="delivered")
    _return_from_the_order_page(client, order)
    RefundRequest.objects.filter(order=order).update(status=RefundRequest.Status.REJECTED)

    # then the link leads to a page that says why there is no label, with the way back to the order
    gone = client.get(f"/orders/{order.number}/return-label/")
    body = html.unescape(gone.content.decode())
    assert gone.status_code == 404 and f"No return label for order {order.number}" in body
    assert "Your refund request for this order was not accepted" in body and f'href="/orders/{order.number}/"' in body
    assert "Kein Rücksendeetikett" in html.unescape(client.get(f"/de/orders/{order.number}/return-label/").content.decode())
    # and an order on its way says a label comes with a delivered order's return; one with no return started, how
    waiting = make_order(alice, status="shipped")
    assert "once the order has been delivered" in client.get(f"/orders/{waiting.number}/return-label/").content.decode()
    kept = make_order(alice, status="delivered")
    assert "No return has been started" in html.unescape(
        client.get(f"/orders/{kept.number}/return-label/").content.decode())


def test_only_the_owner_or_the_guest_who_proved_the_order_opens_the_label(client: Client, alice, make_order,
                                                                          make_customer, make_guest_order) -> None:
    order = make_order(alice, status="delivered")
    _return_from_the_order_page(client, order)
    bob = Client()
    bob.force_login(make_customer("bob", first_name="Bob"))
    assert bob.get(f"/orders/{order.number}/return-label/").status_code == 404
    assert Client().get(f"/orders/{order.number}/return-label/")["Location"].startswith("/account/login/")

    guest_order = make_guest_order(status="delivered")
    chat = Conversation.objects.create()
    RefundRequest.objects.create(conversation=chat, order=guest_order, amount=Decimal("64.00"), reason="Too small",
                                 items=[{"product": "Blue ceramic table lamp", "quantity": 1, "amount": "64.00"}])
    erin = Client()
    session = erin.session
    session[SESSION_KEY] = str(chat.id)
    session.save()
    assert erin.get(f"/orders/{guest_order.number}/return-label/").status_code == 200
    stranger = Client()
    session = stranger.session
    session[SESSION_KEY] = str(uuid.uuid4())
    session.save()
    assert stranger.get(f"/orders/{guest_order.number}/return-label/").status_code == 302  # to sign in: nothing shown


def test_the_label_and_the_order_page_speak_the_customers_language(client: Client, alice, make_order) -> None:
    order = make_order(alice, status="delivered")
    _return_from_the_order_page(client, order)
    def page(path: str) -> str:
        return html.unescape(client.get(path).content.decode())

    assert "Retourlabel downloaden" in page(f"/nl/orders/{order.number}/")
    assert f"Rücksendeetikett für Bestellung {order.number}" in page(f"/de/orders/{order.number}/return-label/")
    assert "Télécharger l'étiquette de retour" in page(f"/fr/orders/{order.number}/")
    assert "Descargar la etiqueta de devolución" in page(f"/es/orders/{order.number}/")
