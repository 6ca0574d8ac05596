"""Amounts as customers read them in their language: "€1,299.00" in English, "€ 1.299,00" in
Dutch, "1.299,00 €" in German and Spanish, "1 299,00 €" in French; the assistant's Italian, Polish and Portuguese replies too.

Babel is not a dependency: each language needs one pattern, written out here.
The spaces are no-break spaces, so a price never wraps between the amount and its sign.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils import translation

NBSP = "\u00a0"

# language -> (thousands separator, decimal separator, pattern with {amount} and {sign})
PATTERNS: dict[str, tuple[str, str, str]] = {
    "en": (",", ".", "{sign}{amount}"),
    "nl": (".", ",", "{sign}" + NBSP + "{amount}"),
    "de": (".", ",", "{amount}" + NBSP + "{sign}"),
    "es": (".", ",", "{amount}" + NBSP + "{sign}"),
    "fr": (NBSP, ",", "{amount}" + NBSP + "{sign}"),
    # Polish and Portuguese replies wrote "€5.00" before these were here (session 27's walkthrough); the storefront
    # speaks them too now.
    "it": (".", ",", "{amount}" + NBSP + "{sign}"),
    "pl": (NBSP, ",", "{amount}" + NBSP + "{sign}"),
    "pt": (NBSP, ",", "{amount}" + NBSP + "{sign}"),
}
SIGNS = {"EUR": "€"}


def _grouped(whole: str, separator: str) -> str:
    groups = []
    while len(whole) > 3:
        whole, groups = whole[:-3], [whole[-3:], *groups]
    return separator.join([whole, *groups])


def money_format(amount: Decimal | int | float | str, currency: str = "EUR", language: str | None = None,
                 *, decimals: int = 2) -> str:
    """`amount` in `currency` for `language` (the active one unless given), with `decimals` decimals
    (two unless a sub-cent cost needs more, as the operations dashboard's LLM costs do)."""
    language = (language or translation.get_language() or "en").split("-")[0].lower()
    thousands, decimal_mark, pattern = PATTERNS.get(language, PATTERNS["en"])
    value = Decimal(str(amount)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{abs(value):.{decimals}f}".partition(".")
    number = _grouped(whole, thousands) + (f"{decimal_mark}{fraction}" if fraction else "")
    sign = SIGNS.get(currency)
    text = pattern.format(amount=number, sign=sign) if sign else f"{number}{NBSP}{currency}"
    return f"−{text}" if value < 0 else text
