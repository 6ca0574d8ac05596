"""Gift-card balance: a code gives its balance; guessing codes is throttled per address (#15 item 3)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from shoppe.models import GiftCard

pytestmark = pytest.mark.django_db


@pytest.fixture
def card() -> GiftCard:
    return GiftCard.objects.create(code="SHOPPE50DEMO0001", initial_amount=Decimal("50.00"),
                                   balance=Decimal("32.50"), expires_at=timezone.now() + timedelta(days=300))


def test_a_code_shows_its_balance_however_it_is_typed(client: Client, card: GiftCard) -> None:
    assert client.get("/gift-cards/balance/").status_code == 200
    response = client.post("/gift-cards/balance/", {"code": " shop-pe50-demo 0001 "})
    assert response.status_code == 200 and "€32.50" in response.content.decode()


def test_an_expired_card_says_so(client: Client, card: GiftCard) -> None:
    GiftCard.objects.filter(id=card.id).update(expires_at=timezone.now() - timedelta(days=1))
    assert b"expired" in client.post("/gift-cards/balance/", {"code": "SHOP-PE50-DEMO-0001"}).content


def test_guessing_codes_is_throttled_even_for_a_right_code(client: Client, card: GiftCard, settings) -> None:
    settings.GIFT_CARD_FAILURES_PER_ADDRESS = 3
    for guess in range(3):
        wrong = client.post("/gift-cards/balance/", {"code": f"SHOP-PE50-DEMO-999{guess}"})
        assert wrong.status_code == 200 and b"recognise this code" in wrong.content
    blocked = client.post("/gift-cards/balance/", {"code": "SHOP-PE50-DEMO-0001"})
    assert blocked.status_code == 429 and b"32.50" not in blocked.content
    # another address is not held back by this one's guesses
    assert b"32.50" in Client(REMOTE_ADDR="10.9.8.7").post("/gift-cards/balance/", {"code": card.code}).content


def test_right_codes_do_not_use_up_the_allowance(client: Client, card: GiftCard, settings) -> None:
    settings.GIFT_CARD_FAILURES_PER_ADDRESS = 2
    for _ in range(5):
        assert b"32.50" in client.post("/gift-cards/balance/", {"code": card.code}).content


def test_the_balance_form_refuses_a_post_without_a_csrf_token(card: GiftCard) -> None:
    response = Client(enforce_csrf_checks=True).post("/gift-cards/balance/", {"code": card.code})
    assert response.status_code == 403 and b"32.50" not in response.content
