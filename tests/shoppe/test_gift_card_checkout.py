"""Paying with a gift card at checkout: checked on the server, applied up to the total, the rest by
another method, the balance taken under a lock, and what the card paid on the order (#15 item 3).
"""
from __future__ import annotations

import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from shoppe.checkout import CheckoutRefused, order_place
from shoppe.gift_cards import GiftCardRefused, gift_card_spend
from shoppe.models import GiftCard, Order, Product
from shoppe.services import order_cancel

pytestmark = pytest.mark.django_db
GUEST = {"email": "gwen@example.test", "recipient": "Gwen Guest", "street": "Oudegracht 99", "postcode": "3511 AB",
         "city": "Utrecht", "country": "Netherlands", "delivery": "Standard"}
CARD = {"method": "card", "cardholder": "Gwen Guest", "card_number": "4242 4242 4242 4242"}


@pytest.fixture
def lamp() -> Product:  # €64.00: free Standard delivery, so the total is €64.00
    return Product.objects.create(slug="blue-ceramic-table-lamp", name="Blue ceramic table lamp", category="Lamps",
                                  description="A lamp.", price=Decimal("64.00"), stock=5)


def gift_card(balance: str, *, code: str = "SHOPPE50DEMO0001", days: int = 300) -> GiftCard:
    return GiftCard.objects.create(code=code, initial_amount=Decimal("100.00"), balance=Decimal(balance),
                                   expires_at=timezone.now() + timedelta(days=days))


def at_payment(client: Client) -> None:
    client.post("/cart/add/blue-ceramic-table-lamp/")
    assert client.post("/checkout/", GUEST)["Location"] == "/checkout/payment/"


def apply(client: Client, code: str) -> str:
    return client.post("/checkout/payment/", {"action": "apply_gift_card", "gift_card": code}).content.decode()


def test_a_gift_card_pays_its_balance_and_a_card_the_rest(client: Client, lamp: Product,
                                                          django_capture_on_commit_callbacks) -> None:
    card = gift_card("50.00")
    at_payment(client)
    page = apply(client, "shop-pe50-demo-0001")  # typed as in the email, any case
    assert "Gift card …0001 pays <strong>€50.00</strong>" in page and "Pay €14.00" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/checkout/payment/", CARD)

    order = Order.objects.get()
    assert (order.gift_card, order.gift_card_amount, order.payment_method) == (card, Decimal("50.00"), "card")
    assert order.paid_by_method == Decimal("14.00")
    card.refresh_from_db()
    assert card.balance == Decimal("0.00")
    assert "Paid with gift card …0001  €50.00" in mail.outbox[0].body
    done = client.get(f"/checkout/done/{order.number}/").content.decode()
    assert "Paid with gift card …0001</td><td>€50.00" in done and "€14.00" in done


def test_a_gift_card_that_covers_the_total_needs_no_other_payment(client: Client, lamp: Product, make_customer) -> None:
    card = gift_card("100.00")
    alice = make_customer("alice")
    client.force_login(alice)
    client.post("/cart/add/blue-ceramic-table-lamp/")
    client.post("/checkout/", {**GUEST, "email": ""})
    page = apply(client, card.code)
    assert "Place order" in page and 'name="card_number"' not in page and 'name="method"' not in page
    client.post("/checkout/payment/", {})

    order = Order.objects.get()
    assert (order.payment_method, order.gift_card_amount, order.paid_by_method) == ("gift_card", Decimal("64.00"), 0)
    card.refresh_from_db()
    assert card.balance == Decimal("36.00")  # the rest stays on the card for another order
    for path in (f"/orders/{order.number}/", f"/orders/{order.number}/invoice/"):
        html = client.get(path).content.decode()
        assert "Paid with gift card …0001" in html and "€64.00" in html, path


@pytest.mark.parametrize("code,error", [("SHOP-PE50-DEMO-9999", "recognise this gift card code"),
                                        ("SHOPPE10EXPIRED1", "expired"), ("SHOPPE00EMPTY001", "no balance left")])
def test_an_unknown_expired_or_empty_card_is_not_applied(client: Client, lamp: Product, code: str, error: str) -> None:
    gift_card("10.00", code="SHOPPE10EXPIRED1", days=-1)
    gift_card("0.00", code="SHOPPE00EMPTY001")
    at_payment(client)
    page = apply(client, code)
    assert error in page and "Pay €64.00" in page
    client.post("/checkout/payment/", CARD)
    assert Order.objects.get().gift_card is None


def test_codes_tried_at_checkout_count_against_the_guessing_limit(client: Client, lamp: Product, settings) -> None:
    settings.GIFT_CARD_FAILURES_PER_ADDRESS = 2
    card = gift_card("50.00")
    at_payment(client)
    for guess in range(2):
        apply(client, f"SHOP-PE50-DEMO-999{guess}")
    page = apply(client, card.code)
    assert "Too many codes" in page and "Gift card …0001 pays" not in page


def test_a_balance_spent_elsewhere_meanwhile_refuses_the_order_instead_of_overspending(client: Client,
                                                                                     lamp: Product) -> None:
    card = gift_card("100.00")
    at_payment(client)
    apply(client, card.code)  # covers the €64.00: nothing else to pay
    GiftCard.objects.filter(id=card.id).update(balance=Decimal("20.00"))  # another order took most of it
    page = client.post("/checkout/payment/", {}, follow=True).content.decode()
    assert not Order.objects.exists()
    assert "Gift card …0001 pays <strong>€20.00</strong>" in page and "Pay €44.00" in page
    card.refresh_from_db()
    assert card.balance == Decimal("20.00")


def test_a_stale_cover_is_refused_by_order_place_itself(lamp: Product) -> None:
    card = gift_card("20.00")
    with pytest.raises(CheckoutRefused, match="less than the total"):
        order_place(lines=[(lamp.id, 1)], email="g@example.test", customer=None, address="Somewhere 1",
                    country="Netherlands", delivery="Standard", payment_method="gift_card", gift_card_code=card.code)
    card.refresh_from_db()
    lamp.refresh_from_db()
    assert card.balance == Decimal("20.00") and lamp.stock == 5 and not Order.objects.exists()  # all or nothing


def two_products() -> list[Product]:
    """One product per buyer: no stock row in common, so only the card's lock can keep them apart."""
    return [Product.objects.create(slug=f"vase-{n}", name=f"Vase {n}", category="Decor", description="A vase.",
                                   price=Decimal("40.00"), stock=5) for n in range(2)]


@pytest.mark.django_db(transaction=True)
def test_two_checkouts_at_once_cannot_overspend_one_card() -> None:
    card = gift_card("50.00")
    vases = two_products()
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def buy(n: int) -> None:  # €40.00 + €4.95 Standard = €44.95 each, the card alone to pay: only one fits
        try:
            start.wait()
            order_place(lines=[(vases[n].id, 1)], email=f"b{n}@example.test", customer=None,
                        address="Somewhere 1", country="Netherlands", delivery="Standard",
                        payment_method="gift_card", gift_card_code=card.code)
            outcomes.append("placed")
        except CheckoutRefused as refused:
            outcomes.append(str(refused))
        finally:
            connection.close()

    threads = [threading.Thread(target=buy, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    card.refresh_from_db()
    assert outcomes.count("placed") == 1, outcomes
    assert card.balance == Decimal("5.05") and Order.objects.get().gift_card_amount == Decimal("44.95")


@pytest.mark.django_db(transaction=True)
def test_two_checkouts_at_once_share_a_card_without_spending_more_than_its_balance() -> None:
    card = gift_card("50.00")
    vases = two_products()
    start = threading.Barrier(2)

    def buy(n: int) -> None:  # €44.95 each, the rest by card: the card pays €50.00 in all, never more
        try:
            start.wait()
            order_place(lines=[(vases[n].id, 1)], email=f"b{n}@example.test", customer=None,
                        address="Somewhere 1", country="Netherlands", delivery="Standard", payment_method="card",
                        gift_card_code=card.code)
        except CheckoutRefused:
            pass  # the second finds the card empty
        finally:
            connection.close()

    threads = [threading.Thread(target=buy, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    card.refresh_from_db()
    spent = sum(o.gift_card_amount for o in Order.objects.all())
    assert card.balance == Decimal("0.00") and spent == Decimal("50.00")


@pytest.mark.django_db(transaction=True)
def test_two_spends_at_once_take_the_balance_once() -> None:
    """The balance is read and written under the card's row lock: two transactions that both read €50.00
    and both take €40.00 would leave €10.00 after €80.00 spent. (On PostgreSQL this fails without
    select_for_update; SQLite's IMMEDIATE transactions serialise the two anyway.)"""
    card = gift_card("50.00")
    paid: list[Decimal] = []
    start = threading.Barrier(2)

    def spend() -> None:
        try:
            start.wait()
            with transaction.atomic():
                paid.append(gift_card_spend(code=card.code, amount_due=Decimal("40.00"))[1])
                time.sleep(0.3)  # the rest of the order's transaction: the other spend must wait, not read €50.00
        except GiftCardRefused:
            paid.append(Decimal("0.00"))
        finally:
            connection.close()

    threads = [threading.Thread(target=spend) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    card.refresh_from_db()
    assert sorted(paid) == [Decimal("10.00"), Decimal("40.00")] and card.balance == Decimal("0.00")


def test_cancelling_puts_the_gift_cards_part_back_on_the_card(lamp: Product) -> None:
    card = gift_card("50.00")
    order = order_place(lines=[(lamp.id, 1)], email="g@example.test", customer=None, address="Somewhere 1",
                        country="Netherlands", delivery="Standard", gift_card_code=card.code)
    order_cancel(order_id=order.id)
    card.refresh_from_db()
    assert card.balance == Decimal("50.00")
