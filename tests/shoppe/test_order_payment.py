"""Paying an order left waiting for its payment (a card declined at checkout): "Pay now" on its page leads to the
checkout's own payment step, and a payment that goes through moves the order on as a paid checkout does.

Customer walkthrough: an order in "pending payment" had no way to be paid.
"""
from __future__ import annotations

import html

import pytest
from django.core import mail
from django.test import Client

from shoppe.checkout import CheckoutRefused, order_pay
from shoppe.models import Invoice, Order, Product
from support.models import Conversation
from support.services.conversations import SESSION_KEY
from support.services.proofs import order_proof_record

pytestmark = pytest.mark.django_db
CARD = {"method": "card", "cardholder": "Alice Jansen", "card_number": "4242 4242 4242 4242"}
DECLINED = {**CARD, "card_number": "4000 0000 0000 0002"}


@pytest.fixture
def alice(client: Client, make_customer):  # type: ignore[no-untyped-def]
    user = make_customer("alice")
    client.force_login(user)
    return user


def page(client: Client, path: str) -> str:
    return html.unescape(client.get(path).content.decode())


def guest_browser(order: Order) -> Client:
    """A visitor's browser whose chat proved the guest `order` by its number and email (may read it)."""
    chat = Conversation.objects.create()
    order_proof_record(conversation=chat, order=order)
    browser = Client()
    session = browser.session
    session[SESSION_KEY] = str(chat.id)
    session.save()
    return browser


def test_an_unpaid_order_is_paid_from_its_page_and_moves_on_as_a_paid_checkout(
        client: Client, alice, make_order, django_capture_on_commit_callbacks) -> None:
    # given
    order = make_order(alice, status="pending_payment")
    stock = Product.objects.get(slug="blue-ceramic-table-lamp").stock
    shown = page(client, f"/orders/{order.number}/")
    assert "Pay now" in shown and f'href="/orders/{order.number}/pay/"' in shown
    # when: the checkout's payment step, for this order's total
    payment = page(client, f"/orders/{order.number}/pay/")
    assert 'class="stack payment-form"' in payment and "Pay €68.95" in payment and "4242 4242 4242 4242" in payment
    assert "Blue ceramic table lamp" in payment and "Keizersgracht 12" in payment
    assert "Apply gift card" not in payment and "SHOP-PE50" not in payment  # not offered here: not said either
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/orders/{order.number}/pay/", CARD, follow=True)
    # then
    order.refresh_from_db()
    assert order.status == Order.Status.PROCESSING and order.payment_method == Order.PaymentMethod.CARD
    assert Invoice.objects.filter(order=order).exists()  # issued once paid, as checkout issues it
    assert response.redirect_chain[-1][0] == f"/orders/{order.number}/"
    after = html.unescape(response.content.decode())
    assert f"Order {order.number} is paid" in after and "Pay now" not in after
    assert "Paid with Card" in after
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [alice.email]
    assert mail.outbox[0].subject == f"Your Example Shoppe order {order.number}"
    assert "Paid with Card" in mail.outbox[0].body
    # the stock was taken when the order was placed: paying does not take it twice
    assert Product.objects.get(slug="blue-ceramic-table-lamp").stock == stock


def test_another_way_to_pay_is_confirmed_at_once(client: Client, alice, make_order) -> None:
    order = make_order(alice, status="pending_payment")
    client.post(f"/orders/{order.number}/pay/", {"method": "paypal"})
    order.refresh_from_db()
    assert order.status == Order.Status.PROCESSING and order.payment_method == Order.PaymentMethod.PAYPAL


def test_a_declined_card_keeps_the_order_waiting_with_the_checkouts_error(client: Client, alice, make_order) -> None:
    order = make_order(alice, status="pending_payment")
    response = client.post(f"/orders/{order.number}/pay/", DECLINED)
    shown = html.unescape(response.content.decode())
    assert "There is a problem with the payment" in shown
    assert "Your bank declined this payment. Please try another card." in shown
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT and not Invoice.objects.filter(order=order).exists()
    assert mail.outbox == []


def test_nobody_else_sees_or_pays_the_order(alice, make_order, make_customer) -> None:
    order = make_order(alice, status="pending_payment")
    bob = Client()
    bob.force_login(make_customer("bob", first_name="Bob"))
    assert bob.get(f"/orders/{order.number}/").status_code == 404
    assert bob.get(f"/orders/{order.number}/pay/").status_code == 404
    assert bob.post(f"/orders/{order.number}/pay/", CARD).status_code == 404
    visitor = Client()
    assert visitor.get(f"/orders/{order.number}/pay/")["Location"].startswith("/account/login/")
    assert visitor.post(f"/orders/{order.number}/pay/", CARD)["Location"].startswith("/account/login/")
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT


@pytest.mark.parametrize(("status", "said"), [("processing", "is already paid"), ("delivered", "is already paid"),
                                              ("cancelled", "is cancelled, so there is nothing to pay")])
def test_a_paid_or_cancelled_order_has_no_pay_action_and_its_pay_page_says_why(client: Client, alice, make_order,
                                                                              status: str, said: str) -> None:
    order = make_order(alice, status=status)
    assert "Pay now" not in page(client, f"/orders/{order.number}/")
    for response in (client.get(f"/orders/{order.number}/pay/", follow=True),
                     client.post(f"/orders/{order.number}/pay/", CARD, follow=True)):
        assert response.redirect_chain == [(f"/orders/{order.number}/", 302)]
        assert f"Order {order.number} {said}" in html.unescape(response.content.decode())
    order.refresh_from_db()
    assert order.status == status and mail.outbox == []


def test_the_service_refuses_an_order_paid_meanwhile(alice, make_order) -> None:
    # Two tabs on the pay page: the second payment finds the order paid and changes nothing.
    order = make_order(alice, status="pending_payment")
    order_pay(order_id=order.id, payment_method="card")
    with pytest.raises(CheckoutRefused, match="already paid"):
        order_pay(order_id=order.id, payment_method="paypal")
    order.refresh_from_db()
    assert order.payment_method == Order.PaymentMethod.CARD


def test_a_guest_pays_the_order_their_chat_proved_from_its_page(make_guest_order,
                                                                django_capture_on_commit_callbacks) -> None:
    order = make_guest_order("erin@example.test", status="pending_payment")
    erin = guest_browser(order)
    shown = page(erin, f"/orders/{order.number}/")
    assert "Pay now" in shown and "Oudegracht 99" in shown
    assert "Cancel order" not in shown  # changing a guest order takes the code the chat emails
    with django_capture_on_commit_callbacks(execute=True):
        response = erin.post(f"/orders/{order.number}/pay/", {**CARD, "cardholder": "Erin Guest"}, follow=True)
    order.refresh_from_db()
    assert order.status == Order.Status.PROCESSING
    assert f"Order {order.number} is paid" in html.unescape(response.content.decode())
    assert mail.outbox[0].to == ["erin@example.test"]


def test_a_guest_order_no_chat_proved_is_not_shown_or_paid(make_guest_order) -> None:
    erins, gwens = make_guest_order("erin@example.test", status="pending_payment"), make_guest_order(
        "gwen@example.test", status="pending_payment")
    erin = guest_browser(erins)
    for path in (f"/orders/{gwens.number}/", f"/orders/{gwens.number}/pay/"):
        assert erin.get(path)["Location"].startswith("/account/login/")
        assert Client().get(path)["Location"].startswith("/account/login/")
    assert erin.post(f"/orders/{gwens.number}/pay/", CARD)["Location"].startswith("/account/login/")
    gwens.refresh_from_db()
    assert gwens.status == Order.Status.PENDING_PAYMENT


def test_the_pay_action_speaks_the_customers_language(client: Client, alice, make_order) -> None:
    order = make_order(alice, status="pending_payment")
    assert "Nu betalen" in page(client, f"/nl/orders/{order.number}/")
    paid = make_order(alice, status="processing")
    refused = client.get(f"/nl/orders/{paid.number}/pay/", follow=True)
    assert f"Bestelling {paid.number} is al betaald" in html.unescape(refused.content.decode())
