"""The storefront's template filters: `{{ product.price|money }}` in the customer's language."""
from __future__ import annotations

import re
from decimal import Decimal

from django import template
from django.conf import settings
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from shoppe import checkout
from shoppe.addresses import address_in_language
from shoppe.money import money_format

register = template.Library()


@register.filter
def money(amount: Decimal | int | str | None, currency: str = "EUR") -> str:
    if amount is None or amount == "":
        return ""
    return money_format(amount, currency)


_BOLD = re.compile(r"\*\*([^*\n]+)\*\*")


@register.filter(is_safe=True)
def bold(text: str | None) -> SafeString:
    """The assistant's words with their "**bold**" parts bold (as the chat widget shows them), everything escaped."""
    return mark_safe(_BOLD.sub(r"<strong>\1</strong>", str(conditional_escape(text or ""))))


@register.filter
def delivery_name(name: str) -> str:
    """An order's delivery option ("Standard", as stored) in the customer's language."""
    return checkout.delivery_name(str(name))


register.filter("address_in_language", address_in_language)


@register.filter
def country_name(country: str) -> str:
    """A country as addresses store it ("Germany") in the customer's language."""
    from shoppe.models import COUNTRY_NAMES

    return str(COUNTRY_NAMES.get(country, country))


@register.simple_tag
def shop_languages() -> list[tuple[str, str]]:
    """The switcher's languages, each in its own name ("Deutsch", "Français"), as settings.LANGUAGES
    spells them; Django's get_available_languages would translate them into the page's language."""
    return list(settings.LANGUAGES)
