"""Newsletter: the footer form on every page, the tick at checkout, and the unsubscribe link (#15 item 3)."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client

from shoppe.models import NewsletterSubscription, Product

pytestmark = pytest.mark.django_db


def unsubscribe_path(body: str) -> str:
    return re.search(r"http://testserver(/newsletter/unsubscribe/[^/\s]+/)", body).group(1)  # type: ignore[union-attr]


def test_a_visitor_subscribes_in_the_footer_and_unsubscribes_by_the_link(client: Client,
                                                                        django_capture_on_commit_callbacks) -> None:
    assert 'name="newsletter-email"' in client.get("/help/").content.decode()  # the footer, on any page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/newsletter/", {"newsletter-email": "Nora@Example.test"},
                               HTTP_REFERER="http://testserver/help/")
    assert response["Location"] == "http://testserver/help/"  # back to the page it was sent from
    assert NewsletterSubscription.objects.get().email == "nora@example.test"
    assert mail.outbox[0].to == ["nora@example.test"]

    link = unsubscribe_path(mail.outbox[0].body)
    visitor = Client()
    assert b"Stop sending" in visitor.get(link).content  # a GET only asks: mail scanners follow links
    assert NewsletterSubscription.objects.get().subscribed
    assert b"is unsubscribed" in visitor.post(link).content
    assert not NewsletterSubscription.objects.get().subscribed


def test_the_unsubscribe_link_switches_off_the_accounts_newsletter_too(make_customer,
                                                                      django_capture_on_commit_callbacks) -> None:
    alice = make_customer("alice")
    client = Client()
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/newsletter/", {"newsletter-email": alice.email})
    alice.customer.refresh_from_db()
    assert alice.customer.newsletter
    Client().post(unsubscribe_path(mail.outbox[0].body))
    alice.customer.refresh_from_db()
    assert not alice.customer.newsletter


def test_a_made_up_unsubscribe_link_does_nothing(client: Client) -> None:
    assert client.get("/newsletter/unsubscribe/bob@example.test/").status_code == 404


def test_a_bad_address_is_refused(client: Client) -> None:
    refused = client.post("/newsletter/", {"newsletter-email": "not-an-address"})
    assert refused.status_code == 400 and not NewsletterSubscription.objects.exists()


def test_the_checkout_tick_subscribes_a_guest(client: Client) -> None:
    Product.objects.create(slug="lamp", name="Lamp", category="Lamps", description="A lamp.",
                           price=Decimal("64.00"), stock=5)
    client.post("/cart/add/lamp/")
    client.post("/checkout/", {"email": "gwen@example.test", "recipient": "Gwen Guest", "street": "Oudegracht 99",
                               "postcode": "3511 AB", "city": "Utrecht", "country": "Netherlands",
                               "delivery": "Standard", "newsletter": "on"})
    client.post("/checkout/payment/", {"method": "paypal"})
    assert NewsletterSubscription.objects.get(email="gwen@example.test").subscribed
