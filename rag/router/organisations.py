"""Messages about another organisation: "my Zalando return", "forgot my DigiD password", "Iberdrola charged me twice".

The classifier reads such a message by its shop-like words (a return, a password, an invoice) and would answer it
with the shop's own help page; nothing in the words says whose return it is, only the name. The names are data
(`other_organisations.txt`: web shops, banks, telecoms, public services... of the countries the shop ships to),
matched as whole words in every language, lowercased and without accents. A name the shop's own help pages use
(a carrier, a payment method) is never taken for another organisation's. The browser's device assistant applies
the same pattern (rag/device/elsewhere.py, static/chat/device/elsewhere.js), so matching is kept to what both
compute alike: `folded` text and a plain regular expression.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

NAMES_FILE = Path(__file__).with_name("other_organisations.txt")
_SPECIAL = re.compile(r"[.*+?^${}()|\[\]\\/-]")
_ACCENTS = re.compile("[\u0300-\u036f]")


# Words that make the shop's own things what a message is about ("your lamp", "jullie site", "eure Lampe", "votre
# table", "vuestra web", "vostro sito", "wasz sklep", "vosso site", "bij jullie", "chez vous"): possessives and
# "from/at you", folded, in each of the shop's languages. A message naming another organisation beside them is
# still ours ("I saw your lamp on Instagram", "do you also sell on eBay or only on your own site?"). Words that are
# also a subject or a plain "you" ("kunnen jullie", "könnt ihr", "can you check") are not in it: "can you check my
# Amazon parcel" asks us about someone else's order.
SHOPS_OWN = {
    "en": ("your", "yours", "from you", "example shoppe"),
    "nl": ("uw", "jouw", "bij jullie", "van jullie", "op jullie", "via jullie", "in jullie", "jullie site",
           "jullie website", "jullie webshop", "jullie winkel"),
    "de": ("euer", "eure", "euren", "eurem", "eurer", "eures", "dein", "deine", "deinen", "bei euch", "von euch"),
    "fr": ("votre", "vos", "chez vous", "de vous"),
    "es": ("vuestro", "vuestra", "vuestros", "vuestras", "con vosotros", "de vosotros"),
    "it": ("vostro", "vostra", "vostri", "vostre", "da voi"),
    "pl": ("wasz", "wasza", "wasze", "waszego", "waszej", "waszym", "waszych", "u was", "od was"),
    "pt": ("vosso", "vossa", "vossos", "vossas", "convosco", "de voces"),
}


# Polish declines a name as any noun: "hasło do Netflixa", "konto w mBanku", "płacę Revolutem", "na Facebooku",
# "z AliExpressa", "o Tauronie", "Uberowi", "u Orlenów" (folded: no accents). None of a listed name with one of these
# endings is a word of the shop's exemplars or help pages in any language (checked for every name, session 30).
POLISH_CASE_ENDINGS = ("a", "u", "em", "ie", "owi", "y", "ach", "ami", "ow")


def folded(text: str) -> str:
    """Lowercase, accents dropped, ’ as ': the form names are matched in (elsewhere.js `folded` is the same)."""
    return _ACCENTS.sub("", unicodedata.normalize("NFKD", text.lower().replace("’", "'")))


def name_pattern(name: str) -> str:
    """A name as a pattern: its words escaped, joined by an optional space, dot or hyphen ("uber eats", "ubereats")."""
    return "[ .-]?".join(_SPECIAL.sub(r"\\\g<0>", word) for word in folded(name).split())


def names_read(path: Path = NAMES_FILE) -> list[str]:
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def organisations_pattern(names: list[str], shop_texts: list[str]) -> str:
    """One pattern for every name the shop's own texts do not use, longest first; whole words of `folded` text."""
    shop = folded("\n".join(shop_texts))
    # each name's pattern and its longest word, which a match of it contains as it is: a name whose longest word the
    # shop's texts never contain needs no search of them (a search per name took seconds on the first message)
    longest_words = {name_pattern(name): max(folded(name).split(), key=len) for name in names}
    kept = sorted(longest_words, key=lambda p: (-len(p), p))
    kept = [p for p in kept
            if longest_words[p] not in shop or not re.search(rf"(?<![a-z0-9]){p}(?![a-z0-9])", shop)]
    # (a possessive or genitive s after the name: "zalando's", "Zalandos Rücksendung"; or a Polish case ending)
    endings = "|".join(["'?s", *POLISH_CASE_ENDINGS])
    return rf"(?<![a-z0-9])(?:{'|'.join(kept)})(?:{endings})?(?![a-z0-9])" if kept else ""


@lru_cache(maxsize=1)
def organisations_rule() -> str:
    """The pattern the router and the device match: the names file without the names the help centre's pages use
    (the repository's pages in every language; read once, with no database)."""
    from rag.documents import knowledge_folder
    from rag.router.languages import LANGUAGES

    pages = [path.read_text(encoding="utf-8") for language in LANGUAGES for path in knowledge_folder(language).glob("*.md")]
    return organisations_pattern(names_read(), pages)


_SHOPS_OWN = re.compile(r"(?<![a-z0-9])(?:{})(?![a-z0-9])".format("|".join(
    sorted({name_pattern(word) for words in SHOPS_OWN.values() for word in words}, key=lambda w: (-len(w), w)))))


def organisations_named(text: str, pattern: str | None = None) -> list[str]:
    """The other organisations `text` names (as folded), by `pattern` (default: `organisations_rule()`)."""
    return _named_in(folded(text), organisations_rule() if pattern is None else pattern)


def _named_in(folded_text: str, pattern: str) -> list[str]:
    return [m.group(0) for m in re.finditer(pattern, folded_text)] if pattern else []


def about_another_organisation(text: str) -> list[str]:
    """The other organisations a message is about: those it names, unless it also speaks of the shop's own things
    (`SHOPS_OWN`: "your lamp in an Instagram ad" is about our lamp)."""
    text = folded(text)
    names = _named_in(text, organisations_rule())
    return [] if not names or _SHOPS_OWN.search(text) else names
