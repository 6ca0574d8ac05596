"""Which items of an order a customer named: exactly those, or the few to ask about when unsure.

"The velvet footstool" names the Velvet footstool and not the Velvet cushion cover: an item is
named by a word only it has in this order ("footstool"). A word several items share ("velvet")
names one of them only if nothing else was named, and then the customer is asked which.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from shoppe.models import OrderItem
from support.services.quantity_words import quantity_said

# "all" in the customer's words: English first, then the other languages the assistant answers in.
_ALL = re.compile(r"\b(all|everything|both|whole|entire|every|alle|alles|allebei|tout|tous|toutes|todo|todos|todas|tutto|"
                  r"tutti|tutte|wszystko|wszystkie)\b", re.IGNORECASE)
# Words of product names that never tell one item from another (English, then the shop's other languages).
_NOISE = {"the", "and", "set", "for", "with", "pieces", "piece",
          "een", "het", "met", "van", "voor", "delig", "mit", "und", "für", "aus", "der", "die", "das", "teilig",
          "les", "des", "pour", "avec", "une", "lot", "con", "para", "los", "las", "del", "una", "juego", "pieza", "pièce"}


@dataclass
class NamedItems:
    chosen: list[OrderItem] = field(default_factory=list)  # exactly what the customer named
    unsure: list[OrderItem] = field(default_factory=list)  # a word fits several of these: ask which
    # How many of a chosen item, by its id, where the customer said ("one of the two mugs"); else the whole line.
    quantities: dict[int, int] = field(default_factory=dict)


def _words(text: str) -> set[str]:
    """Lower-case words of three letters or more, plurals folded ("lamps" reads as "lamp")."""
    words = set()
    for word in re.findall(r"[^\W\d_]{3,}", text.lower()):
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.add(word)
    return words - _NOISE


def _item_words(item: OrderItem) -> set[str]:
    """The item's words in English and in the language being answered ("Stehleuchte" names the floor lamp)."""
    product = item.product
    return _words(f"{product.name} {product.colour} {product.local_name} {product.local_colour}")


COMPOUND_PART = 5  # letters a word must have to name the compound it ends ("kaarsen" the "geurkaarsen")


def _compounds_met(said: set[str], item_words: set[str]) -> set[str]:
    """`said` with the item words that end with a word said, or that a word said ends with: "kaarsen" names the
    "Geurkaarsen" (bob's "mijn bestelling met de kaarsen" named none, session 27's walkthrough), "stool" the footstool,
    "Stehlampe" the "Lampe"; and the item words a word said inflects (`_inflected`)."""
    met = {word for word in item_words for part in said
           if min(len(word), len(part)) >= COMPOUND_PART
           and (word.endswith(part) or part.endswith(word) or _inflected(word, part))}
    return said | met


def _inflected(word: str, other: str) -> bool:
    """The same word with another ending: all but the shorter one's last letter shared, and at most three letters
    more ("kussenhoezen" the "kussenhoes", session 28's walkthrough; "Lampen" the "Lampe", "tazze" the "tazza",
    "cadeiras" the "cadeira"). Read among one order's items only, where two names so alike are rare."""
    shorter = min(len(word), len(other))
    return abs(len(word) - len(other)) <= 3 and len(os.path.commonprefix([word, other])) >= shorter - 1


def items_named(items: list[OrderItem], text: str, *, by_number: bool = False) -> NamedItems:
    """The items of `items` that `text` names.

    `by_number`: the text answers a numbered list of `items`, so "2" or "1 and 3" pick from it
    (never in a first message, where "2" is a quantity and 10026 an order number).
    """
    if _ALL.search(text):
        return NamedItems(chosen=list(items))
    named = _items_named(items, text, by_number=by_number)
    named.quantities = quantities_named(named.chosen, text)
    return named


def quantities_named(chosen: list[OrderItem], text: str) -> dict[int, int]:
    """How many of each of `chosen` `text` says, by item id, where it says it: "one of the two mugs" of the one item
    named, "one mug and the lamp" of each item its count stands before. Never more than the line holds."""
    def names(item: OrderItem) -> Callable[[str], bool]:
        words = _item_words(item)
        return lambda word: bool(_compounds_met(_words(word), words) & words)

    quantities = {}
    for item in chosen:
        said = quantity_said(text, names=names(item), alone=len(chosen) == 1)
        if said is not None and said < item.quantity:
            quantities[item.id] = said
    return quantities


def _items_named(items: list[OrderItem], text: str, *, by_number: bool) -> NamedItems:
    chosen: list[OrderItem] = []
    if by_number:
        picked = sorted({int(d) for d in re.findall(r"(?<![\d.,])([1-9])(?![\d.,])", text) if int(d) <= len(items)})
        chosen = [items[n - 1] for n in picked]
    words = {item.id: _item_words(item) for item in items}
    said = _compounds_met(_words(text), set().union(*words.values()))
    for item in items:
        others = set().union(*(w for other, w in words.items() if other != item.id))
        if item not in chosen and said & (words[item.id] - others):
            chosen.append(item)
    if chosen:
        return NamedItems(chosen=[item for item in items if item in chosen])
    # Only words several items share: one item if it alone fits best, else ask among those that fit.
    fits = sorted(((len(said & words[item.id]), item) for item in items if said & words[item.id]),
                  key=lambda fit: -fit[0])
    if len(fits) == 1 or (len(fits) > 1 and fits[0][0] > fits[1][0]):
        return NamedItems(chosen=[fits[0][1]])
    return NamedItems(unsure=[item for _, item in fits])
