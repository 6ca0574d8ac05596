"""Buying a digital gift card, €10 to €500, its code emailed to the buyer (#15 item 3, help: gift-cards)."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from shoppe.models import GiftCard

pytestmark = pytest.mark.django_db


def test_a_visitor_buys_a_gift_card_and_gets_the_code_by_email(client: Client,
                                                               django_capture_on_commit_callbacks) -> None:
    assert b'name="amount"' in client.get("/gift-cards/").content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/gift-cards/", {"amount": "75", "email": "gus@example.test", "recipient": "Mum",
                                                "message": "Happy birthday!", "method": "ideal"})
    card = GiftCard.objects.get()
    assert response["Location"] == f"/gift-cards/bought/{card.id}/"
    assert (card.initial_amount, card.balance, card.purchaser_email) == (Decimal("75"), Decimal("75"),
                                                                         "gus@example.test")
    assert abs(card.expires_at - (timezone.now() + timedelta(days=730))) < timedelta(minutes=1)
    assert re.fullmatch(r"[A-Z0-9]{16}", card.code)
    assert mail.outbox[0].to == ["gus@example.test"] and card.code_display in mail.outbox[0].body
    assert "Happy birthday!" in mail.outbox[0].body
    assert card.code_display.encode() in client.get(response["Location"]).content
    assert Client().get(response["Location"]).status_code == 404  # only the browser that bought it sees the code
    # the new card pays at checkout like any other: its balance page knows it
    assert b"75.00" in client.post("/gift-cards/balance/", {"code": card.code_display}).content


@pytest.mark.parametrize("amount", ["9.99", "500.01", "abc"])
def test_amounts_outside_10_to_500_euros_are_refused(client: Client, amount: str) -> None:
    response = client.post("/gift-cards/", {"amount": amount, "email": "gus@example.test", "method": "paypal"})
    assert response.status_code == 200 and not GiftCard.objects.exists()


def test_a_declined_card_buys_nothing(client: Client) -> None:
    client.post("/gift-cards/", {"amount": "50", "email": "gus@example.test", "method": "card", "cardholder": "Gus",
                                 "card_number": "4000 0000 0000 0002"})
    assert not GiftCard.objects.exists()
