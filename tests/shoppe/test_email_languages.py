"""The storefront's emails are in the language the customer shopped in (#16).

An order keeps the language it was placed in, so the emails about it that go out later, from a
daily job with no customer's page to go by, are in that language too. Mail leaves through
Django's SMTP backend to a real SMTP server on loopback (tests/smtp.py).
"""
from __future__ import annotations

import re

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone, translation

from shoppe.catalogues import catalogues_compile
from shoppe.models import Order, Product
from shoppe.services import order_cancel

pytestmark = pytest.mark.django_db

GUEST = {"email": "gwen@example.test", "recipient": "Gwen Guest", "street": "Oudegracht 99", "postcode": "3511 AB",
         "city": "Utrecht", "country": "Netherlands", "delivery": "Standard"}
CARD = {"cardholder": "Gwen Guest", "card_number": "4242 4242 4242 4242"}


@pytest.fixture(autouse=True, scope="module")
def compiled_catalogues():  # type: ignore[no-untyped-def]
    catalogues_compile()  # `make test` does this too; a bare pytest run must not read stale .mo files
    translation.trans_real._translations = {}  # type: ignore[attr-defined]  # reread them


@pytest.fixture
def lamp() -> Product:
    return Product.objects.create(slug="blue-ceramic-table-lamp", name="Blue ceramic table lamp", category="Lamps",
                                  description="A lamp.", price=Decimal("64.00"), stock=3)


def text_of(body: str) -> str:
    return body.replace("\r\n", "\n")  # SMTP carries CRLF line ends


@pytest.mark.parametrize(("prefix", "language", "subject", "opening", "price", "address"), [
    ("/de", "de", "Ihre Bestellung {number} bei Example Shoppe", "Vielen Dank für Ihre Bestellung!", "64,00\u00a0€",
     "Lieferadresse:\n"),
    ("", "en-gb", "Your Example Shoppe order {number}", "Thank you for your order!", "€64.00", "Delivery address:\n"),
])
def test_an_order_is_confirmed_in_the_language_it_was_placed_in_and_keeps_it(
        prefix: str, language: str, subject: str, opening: str, price: str, address: str, client: Client,
        lamp: Product, smtp_server,
        django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    client.post(f"{prefix}/cart/add/blue-ceramic-table-lamp/", {"quantity": "1"})
    assert client.post(f"{prefix}/checkout/", GUEST)["Location"] == f"{prefix}/checkout/payment/"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{prefix}/checkout/payment/", CARD)
    order = Order.objects.get()
    assert order.language == language
    [mail] = smtp_server.wait_for(1)
    assert mail.subject == subject.format(number=order.number)
    assert text_of(mail.body).startswith(opening)
    assert price in mail.body  # the price as that language writes it
    # the address's heading and country in that language too (session 25's walkthrough: "Delivery address:", "Germany")
    country = order.shipping_address.splitlines()[-1]
    assert address in text_of(mail.body) and (language != "de" or country not in mail.body), mail.body


def test_the_daily_how_was_it_email_is_in_each_orders_own_language(make_guest_order, smtp_server) -> None:  # type: ignore[no-untyped-def]
    german = make_guest_order("greta@example.test", status="delivered")
    english = make_guest_order("erin@example.test", status="delivered")
    Order.objects.filter(id=german.id).update(language="de")
    Order.objects.filter(id=english.id).update(language="en-gb")
    Order.objects.update(delivered_at=timezone.now() - timedelta(days=15))

    call_command("send_review_invitations", "https://shop.example")  # a job: no customer's language is active

    mails = {m.to[0]: m for m in smtp_server.wait_for(2)}
    to_greta = mails["greta@example.test"]
    assert to_greta.subject == f"Wie war Ihre Bestellung {german.number}?"
    assert f"Wie war Ihre Bestellung {german.number} (Blue ceramic table lamp)?" in to_greta.body
    assert "Wir veröffentlichen ehrliche Bewertungen" in to_greta.body
    assert "https://shop.example/de/reviews/write/" in to_greta.body  # the form opens in German too
    to_erin = mails["erin@example.test"]
    assert to_erin.subject == f"How was your order {english.number}?"
    assert "We publish honest reviews" in to_erin.body and "https://shop.example/reviews/write/" in to_erin.body


def test_a_cancellation_is_confirmed_in_the_orders_language(make_guest_order, smtp_server,
                                                            django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    order = make_guest_order("francois@example.test", status="processing")
    Order.objects.filter(id=order.id).update(language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order_id=order.id)
    [mail] = smtp_server.wait_for(1)
    assert mail.subject == f"Votre commande Example Shoppe n° {order.number} est annulée"
    assert f"Votre commande {order.number} est annulée." in mail.body


def test_the_newsletter_emails_are_in_the_language_of_the_page_it_was_asked_on(
        client: Client, smtp_server, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/es/newsletter/", {"newsletter-email": "sofia@example.test"}, HTTP_REFERER="http://testserver/es/")
    [confirmation] = smtp_server.wait_for(1)
    assert confirmation.subject == "Confirma tu suscripción a la newsletter de Example Shoppe"
    link = re.search(r"http://testserver(/es/newsletter/confirm/[^/\s]+/)", confirmation.body).group(1)
    assert "Sí, suscríbeme" in Client().get(link).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(link)
    mail = smtp_server.wait_for(2)[1]
    assert mail.subject == "Bienvenido a la newsletter de Example Shoppe"
    assert "Te has suscrito a la newsletter de Example Shoppe." in mail.body
    assert "¿Has cambiado de idea? Date de baja aquí: http://testserver/es/newsletter/unsubscribe/" in mail.body
