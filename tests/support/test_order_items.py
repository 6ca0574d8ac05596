"""Which items of an order a customer named (#15 item 1): exactly those, or the few to ask about."""
from __future__ import annotations

from decimal import Decimal

import pytest

from shoppe.models import Order, OrderItem, Product
from support.services.order_items import items_named

pytestmark = pytest.mark.django_db


@pytest.fixture
def items() -> list[OrderItem]:
    order = Order.objects.create(number=10030, email="erin@example.test", shipping_address="Oudegracht 99")
    made = []
    for name, colour in [("Velvet cushion cover", "blue"), ("Velvet footstool", "green"),
                         ("Blue ceramic table lamp", "blue"), ("Oak dining table", "oak")]:
        product = Product.objects.create(slug=name.lower().replace(" ", "-"), name=name, category="Home",
                                         description=name, price=Decimal("10.00"), colour=colour)
        made.append(OrderItem.objects.create(order=order, product=product, unit_price=product.price))
    return made


def names(found: list[OrderItem]) -> list[str]:
    return [item.product.name for item in found]


@pytest.mark.parametrize(("text", "chosen"), [
    ("the velvet footstool", ["Velvet footstool"]),
    ("refund for the oak dining table from order 10026", ["Oak dining table"]),
    ("the footstools and the lamp", ["Velvet footstool", "Blue ceramic table lamp"]),
    ("all of them", ["Velvet cushion cover", "Velvet footstool", "Blue ceramic table lamp", "Oak dining table"]),
    ("the green one", ["Velvet footstool"]),
])
def test_exactly_the_named_items(items: list[OrderItem], text: str, chosen: list[str]) -> None:
    found = items_named(items, text)
    assert names(found.chosen) == chosen and not found.unsure


def test_a_shared_word_alone_is_a_question(items: list[OrderItem]) -> None:
    found = items_named(items, "the velvet one")
    assert not found.chosen and names(found.unsure) == ["Velvet cushion cover", "Velvet footstool"]
    table = items_named(items, "the table")
    assert not table.chosen and names(table.unsure) == ["Blue ceramic table lamp", "Oak dining table"]


def test_numbers_pick_from_a_list_only_when_answering_one(items: list[OrderItem]) -> None:
    assert names(items_named(items, "2 and 4", by_number=True).chosen) == ["Velvet footstool", "Oak dining table"]
    assert not items_named(items, "I got 2 of them in order 10030").chosen
    assert not items_named(items, "it costs 4.95", by_number=True).chosen



@pytest.mark.parametrize(("language", "text", "chosen"), [
    ("nl", "de kussenhoezen zijn gescheurd", ["Velvet cushion cover"]),  # the Dutch name says "kussenhoes"
    ("nl", "de voetenbankjes zijn beschadigd", ["Velvet footstool"]),  # "voetenbankje"
    ("de", "die Tischlampen sind kaputt", ["Blue ceramic table lamp"]),  # "Tischlampe"
])
def test_an_item_is_named_in_another_form_of_its_word(items: list[OrderItem], language: str, text: str,
                                                      chosen: list[str]) -> None:
    # Session 28's walkthrough: "kussenhoezen" named no item ("Fluwelen kussenhoes" is its Dutch name).
    from django.utils import translation

    from shoppe.models import ProductTranslation

    for item, nl, de in zip(items, ["Fluwelen kussenhoes", "Fluwelen voetenbankje", "Blauwe tafellamp", "Eettafel"],
                            ["Samtkissenbezug", "Samthocker", "Blaue Tischlampe", "Esstisch aus Eiche"]):
        ProductTranslation.objects.create(product=item.product, language="nl", name=nl)
        ProductTranslation.objects.create(product=item.product, language="de", name=de)
    with translation.override(language):
        assert names(items_named(items, text).chosen) == chosen
