"""A question about one of the shop's products, answered from the catalogue: its description, price and stock.

The help centre says nothing about single products, so "is the oak dining table solid wood?" got whichever help
section was nearest ("gift cards cannot be returned...", session 35's walkthrough). When the question names a product
of the catalogue, in the customer's language or in English, the answer is that product's own words and page; when it
names none, or several equally ("is the lamp dimmable?"), the help-centre answer and its check decide as before.
"""
from __future__ import annotations

import re

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from shoppe.models import Product, money, plain_text
from support.services.answers import Answer
from support.services.order_help.orders import page_path

_WORD = re.compile(r"\w{3,}")


def _words(text: str) -> set[str]:
    """Lowercased words of three letters or more, accents folded ("chêne" and "chene" are one word)."""
    return set(_WORD.findall(plain_text(text)))


def _matched(said: set[str], name: str) -> int:
    """How many words of the product name `name` the message's words `said` hold: 0 unless two do (one of a
    one-word name)."""
    words = _words(name)
    found = len(said & words)
    return found if words and found >= min(2, len(words)) else 0


def product_named(text: str) -> Product | None:
    """The product `text` names: the one with the most words of its name (English or the active language's) in the
    message; None when none does, or two do equally ("the oak table" of an oak dining and an oak coffee table)."""
    said = _words(text)
    found = sorted(((max(_matched(said, name) for name in {product.name, product.local_name}), product)
                    for product in Product.objects.prefetch_related("translations")), key=lambda pair: -pair[0])
    if not found or not found[0][0] or (len(found) > 1 and found[0][0] == found[1][0]):
        return None
    return found[0][1]


def product_answer(text: str) -> Answer | None:
    """The catalogue's answer about the product `text` names (in the active language), or None."""
    product = product_named(text)
    if product is None:
        return None
    stock = _("In stock") if product.stock else _("Out of stock")
    text = _("%(name)s: %(description)s %(price)s, %(stock)s.") % {
        "name": product.local_name, "description": product.local_description.strip(),
        "price": money(product.price, product.currency), "stock": stock.lower()}
    with translation.override(settings.LANGUAGE_CODE):  # its path in the shop's own language, then in the customer's
        path = product.get_absolute_url()
    return Answer(text, sources=[{"title": product.local_name, "url": page_path(path)}])
