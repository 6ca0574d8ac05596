"""The storefront's template filters: `{{ product.price|money }}` in the customer's language."""
from __future__ import annotations

from decimal import Decimal

from django import template

from shoppe import checkout
from shoppe.money import money_format

register = template.Library()


@register.filter
def money(amount: Decimal | int | str | None, currency: str = "EUR") -> str:
    if amount is None or amount == "":
        return ""
    return money_format(amount, currency)


@register.filter
def delivery_name(name: str) -> str:
    """An order's delivery option ("Standard", as stored) in the customer's language."""
    return checkout.delivery_name(str(name))
