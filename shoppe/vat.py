"""The VAT an invoice shows (help: invoices, "the VAT is shown separately on the invoice").

Prices include VAT for customers in the EU. The shop sells at a distance from the Netherlands, so the VAT is the
delivery country's, at its standard rate (the EU's one-stop shop, OSS: Germany 19%, France 20%, Poland 23%...), on
the goods and the delivery alike; a gift card is a way of paying, not a discount, so the whole total carries it. An
order delivered outside the EU is an export: no VAT.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from shoppe.models import EU_COUNTRIES, Order

# The seller's VAT identification number, printed on every invoice (the demo shop's, made up).
SHOP_VAT_NUMBER = "NL859123456B01"
# Standard rates in percent, 2026.
STANDARD_RATES: dict[str, Decimal] = {country: Decimal(rate) for country, rate in {
    "Austria": "20", "Belgium": "21", "Bulgaria": "20", "Croatia": "25", "Cyprus": "19", "Czechia": "21",
    "Denmark": "25", "Estonia": "24", "Finland": "25.5", "France": "20", "Germany": "19", "Greece": "24",
    "Hungary": "27", "Ireland": "23", "Italy": "22", "Latvia": "21", "Lithuania": "21", "Luxembourg": "17",
    "Malta": "18", "Netherlands": "21", "Poland": "23", "Portugal": "23", "Romania": "21", "Slovakia": "23",
    "Slovenia": "22", "Spain": "21", "Sweden": "25",
}.items()}
assert set(STANDARD_RATES) == set(EU_COUNTRIES)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class OrderVat:
    country: str  # where the order goes, as addresses store it (English)
    rate: Decimal  # percent; 0 for an export
    amount: Decimal  # the VAT in the total
    net: Decimal  # the total without it

    @property
    def export(self) -> bool:
        return self.country not in STANDARD_RATES

    @property
    def rate_text(self) -> str:
        """"21%", "25.5%": the rate as an invoice prints it."""
        return f"{self.rate.normalize():f}%"


def order_vat(order: Order) -> OrderVat:
    """The VAT included in `order`'s total, by the country it is delivered to."""
    from shoppe.returns import order_country

    country = order_country(order)
    rate = STANDARD_RATES.get(country, Decimal("0"))
    amount = (order.total * rate / (100 + rate)).quantize(CENT, rounding=ROUND_HALF_UP)
    return OrderVat(country=country, rate=rate, amount=amount, net=order.total - amount)
