"""How many of an item the customer means, in every language the shop answers in (session 28's walkthrough: "one of
the two mugs arrived broken" filed a refund for both)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from shoppe.models import Order, OrderItem, Product
from support.services.order_items import items_named
from support.services.quantity_words import QUANTITY_WORDS, quantity_said

pytestmark = pytest.mark.django_db

MUG = {"mug", "ceramic", "mok", "tasse", "taza", "tazza", "kubek", "caneca"}


def names_mug(word: str) -> bool:
    """The mug's words, as `items_named` gives them (its English and local names, plurals folded)."""
    return any(word.startswith(stem) for stem in MUG)


@pytest.mark.parametrize(("language", "text", "quantity"), [
    ("en", "one of the two mugs arrived broken, I want my money back for that one", 1),
    ("en", "1 of the mugs is cracked", 1),
    ("en", "two of the three mugs came chipped", 2),
    ("en", "One mug arrived broken", 1),
    ("en", "only one is broken", 1),
    ("nl", "één van de twee mokken is kapot aangekomen", 1),
    ("nl", "een van de mokken was gebroken", 1),
    ("nl", "maar één is stuk", 1),
    ("de", "eine der beiden Tassen kam kaputt an", 1),
    ("de", "eine von den zwei Tassen ist zerbrochen", 1),
    ("de", "nur eine ist kaputt", 1),
    ("fr", "un des deux mugs est arrivé cassé", 1),
    ("fr", "l'une des deux tasses est fêlée", 1),
    ("fr", "deux des trois mugs sont cassés", 2),
    ("es", "uno de los dos tazones llegó roto", 1),
    ("es", "una de las tazas llegó rota", 1),
    ("es", "solo una está rota", 1),
    # The count bought told first, the part meant after it: the part (session 28's walkthrough: refunded both)
    ("en", "my order came with two mugs but one of the two arrived broken, money back for that one mug", 1),
    ("fr", "j'ai commandé deux mugs et l'une des deux est arrivée cassée", 1),
    ("de", "ich habe zwei Tassen bestellt, eine davon ist kaputt", 1),
    ("nl", "ik had twee mokken besteld maar één van de twee is gebarsten", 1),
    ("it", "una delle due tazze è arrivata rotta", 1),
    ("it", "uno dei due è rotto", 1),
    ("pl", "jeden z dwóch kubków przyszedł stłuczony", 1),
    ("pl", "jedna z dwóch sztuk jest pęknięta", 1),
    ("pl", "tylko jeden jest pęknięty", 1),
    ("pt", "uma das duas canecas chegou partida", 1),
    ("pt", "um dos dois chegou quebrado", 1),
    ("pt", "só uma está partida", 1),
])
def test_the_quantity_said_is_read_in_every_language(language: str, text: str, quantity: int) -> None:
    assert quantity_said(text, names=names_mug) == quantity


@pytest.mark.parametrize("text", [
    "the mugs arrived broken, I want my money back",
    "I want a refund for order 10026",
    "it arrived 2 days late and the mug is cracked",  # a number before a word that is not the item's
    "een mok kwam kapot aan",  # "een", "eine", "un": an article before the item, not a count
    "eine Tasse ist kaputt",
    "un mug est cassé",
    "2 x Ceramic mug",  # the line as the assistant listed it
    "the mug cost 12.50",
    "it arrived only 2 days ago and the mug is cracked",
])
def test_no_quantity_is_read_where_none_is_said(text: str) -> None:
    assert quantity_said(text, names=names_mug) is None


def test_every_language_the_shop_answers_in_has_its_words() -> None:
    assert set(QUANTITY_WORDS) == {"en", "nl", "de", "fr", "es", "it", "pl", "pt"}
    for language, words in QUANTITY_WORDS.items():
        assert words.numbers and words.of and words.only, language


@pytest.fixture
def mugs_and_lamp() -> list[OrderItem]:
    order = Order.objects.create(number=10030, email="erin@example.test", shipping_address="Oudegracht 99")
    made = []
    for name, quantity in [("Ceramic mug", 2), ("Blue table lamp", 1)]:
        product = Product.objects.create(slug=name.lower().replace(" ", "-"), name=name, category="Home",
                                         description=name, price=Decimal("12.00"))
        made.append(OrderItem.objects.create(order=order, product=product, unit_price=product.price,
                                             quantity=quantity))
    return made


@pytest.mark.parametrize(("text", "quantities"), [
    ("one of the two mugs arrived broken", {"Ceramic mug": 1}),
    ("the mugs arrived broken", {}),  # not said: the whole line
    ("both mugs arrived broken", {}),
    ("one mug and the lamp arrived broken", {"Ceramic mug": 1}),  # a count before the item's own word
    ("one of the two arrived broken, the mug and the lamp", {}),  # several items: "one of" says which of none
])
def test_items_named_say_how_many_of_each(mugs_and_lamp: list[OrderItem], text: str,
                                          quantities: dict[str, int]) -> None:
    named = items_named(mugs_and_lamp, text)
    assert named.chosen
    assert {i.product.name: q for i, q in ((next(x for x in named.chosen if x.id == k), q)
                                             for k, q in named.quantities.items())} == quantities
