"""Storefront pages, and that a customer only ever sees their own orders."""
from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_and_products_render_with_the_chat_widget(client, make_customer, make_order):
    make_order(make_customer("alice"))
    home = client.get("/")
    assert home.status_code == 200 and b'id="chat"' in home.content and b"widget.js" in home.content
    products = client.get("/products/")
    assert b"Blue ceramic table lamp" in products.content
    assert client.get("/products/blue-ceramic-table-lamp/").status_code == 200
    assert client.get("/products/no-such-thing/").status_code == 404


def test_an_anonymous_visitor_gets_a_session_for_the_chat_when_it_opens(client):
    client.get("/")
    assert not client.cookies.get("sessionid")  # a page view stores no session (#13 item 15)
    client.post("/chat/session/")
    assert client.cookies.get("sessionid")


def test_my_orders_needs_sign_in(client):
    response = client.get("/orders/")
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_customer_sees_their_orders_with_status_tracking_and_invoice(client, make_customer, make_order):
    alice = make_customer("alice")
    order = make_order(alice, status="shipped")
    client.force_login(alice)
    listing = client.get("/orders/")
    assert str(order.number).encode() in listing.content and b"Shipped" in listing.content
    detail = client.get(f"/orders/{order.number}/")
    assert detail.status_code == 200 and b"Blue ceramic table lamp" in detail.content
    invoice = client.get(f"/orders/{order.number}/invoice/")
    assert invoice.status_code == 200 and f"INV-{order.number}".encode() in invoice.content
    # its date as German writes it ("24. November 2026"; it read "24 November 2026", session 26's walkthrough)
    assert re.search(r"\d\. [A-Z][a-zä]+ \d{4}", client.get(f"/de/orders/{order.number}/invoice/").content.decode())


def test_another_customers_order_and_invoice_look_like_they_do_not_exist(client, make_customer, make_order):
    order = make_order(make_customer("alice"))
    client.force_login(make_customer("bob", "Bob"))
    assert client.get(f"/orders/{order.number}/").status_code == 404
    assert client.get(f"/orders/{order.number}/invoice/").status_code == 404
    assert str(order.number).encode() not in client.get("/orders/").content


def test_help_pages_are_public_with_anchors_for_each_section(client):
    page = client.get("/help/refund-policy/")
    assert page.status_code == 200
    assert b'id="how-do-i-request-a-refund"' in page.content
    assert client.get("/help/").status_code == 200
    assert client.get("/help/nope/").status_code == 404


def test_staff_browse_conversations_and_orders_in_the_admin(client, make_customer, make_order):
    from django.contrib.auth.models import User

    from support.models import Conversation, Message

    conversation = Conversation.objects.create()
    Message.objects.create(conversation=conversation, author="customer", text="where is my parcel", status="answered")
    make_order(make_customer("alice"))
    client.force_login(User.objects.create_superuser("boss", "b@example.test", "pw"))
    detail = client.get(f"/admin/support/conversation/{conversation.id}/change/")
    assert detail.status_code == 200 and b"where is my parcel" in detail.content
    assert client.get("/admin/support/message/?q=parcel").status_code == 200
    assert client.get("/admin/shoppe/order/?q=alice").status_code == 200


def test_admin_is_closed_to_customers(client, make_customer):
    client.force_login(make_customer("alice"))
    assert client.get("/admin/support/conversation/").status_code == 302


def test_a_guest_opens_the_invoice_of_the_order_their_chat_proved_and_no_other(make_guest_order) -> None:
    # Session 26's walkthrough: the chat gave a proven guest the invoice's link, which led to the sign-in form
    from django.test import Client

    from support.models import Conversation
    from support.services.conversations import SESSION_KEY
    from support.services.proofs import order_proof_record

    erins, others = make_guest_order("erin@example.test"), make_guest_order("gwen@example.test")
    chat = Conversation.objects.create()
    order_proof_record(conversation=chat, order=erins)  # her number and email, in the chat: may read
    erin = Client()
    session = erin.session
    session[SESSION_KEY] = str(chat.id)
    session.save()
    invoice = erin.get(f"/orders/{erins.number}/invoice/")
    assert invoice.status_code == 200 and f"INV-{erins.number}".encode() in invoice.content
    assert erin.get(f"/orders/{others.number}/invoice/")["Location"].startswith("/account/login/")  # nothing shown
    assert Client().get(f"/orders/{erins.number}/invoice/")["Location"].startswith("/account/login/")


def test_once_a_reply_link_took_the_chat_the_browser_that_started_it_opens_none_of_its_orders(make_guest_order) -> None:
    # Session 27's security probe: the starter's browser opened the invoice of an order the link's holder proved later
    from django.test import Client

    from support.models import Conversation
    from support.services.conversations import LINK_OWNER_KEY, SESSION_KEY
    from support.services.proofs import order_proof_record

    erins = make_guest_order("erin@example.test")
    chat = Conversation.objects.create(link_owner="the-link-holders-secret")
    order_proof_record(conversation=chat, order=erins)  # proved by the person holding the link
    starter, holder = Client(), Client()
    for browser, secret in ((starter, ""), (holder, "the-link-holders-secret")):
        session = browser.session
        session[SESSION_KEY] = str(chat.id)
        session[LINK_OWNER_KEY] = secret
        session.save()
    assert starter.get(f"/orders/{erins.number}/invoice/")["Location"].startswith("/account/login/")
    assert holder.get(f"/orders/{erins.number}/invoice/").status_code == 200
