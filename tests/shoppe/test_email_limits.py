"""Emails whose address and words a stranger can choose (a guest's order, a gift card's buyer and message) are
limited per address a day, so the shop cannot be used to flood an inbox (a review's finding, session 15). What was
bought still stands; only the emails past the limit are not sent."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from shoppe.checkout import order_confirmation_send
from shoppe.gift_cards import gift_card_buy
from shoppe.models import GiftCard

pytestmark = pytest.mark.django_db


def test_an_address_gets_at_most_so_many_order_confirmations_a_day(make_guest_order, settings) -> None:
    settings.ORDER_EMAILS_PER_ADDRESS_PER_DAY = 2
    orders = [make_guest_order("victim@example.test") for _ in range(3)] + [make_guest_order("erin@example.test")]
    for order in orders:
        order_confirmation_send(order_id=order.id)
    assert [m.to for m in mail.outbox] == [["victim@example.test"]] * 2 + [["erin@example.test"]]


def test_an_address_gets_at_most_so_many_gift_card_emails_a_day(settings, django_capture_on_commit_callbacks) -> None:
    settings.GIFT_CARD_EMAILS_PER_ADDRESS_PER_DAY = 2
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            gift_card_buy(amount=Decimal("10"), purchaser_email="victim@example.test", payment_method="card",
                          message="Your account is suspended, verify at evil.example")
    assert len(mail.outbox) == 2 and GiftCard.objects.count() == 3  # the third card stands, without an email
