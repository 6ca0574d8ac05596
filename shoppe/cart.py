"""The shopping cart: products and quantities kept in the visitor's session until checkout."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.sessions.backends.base import SessionBase

from shoppe.models import Product

SESSION_KEY = "cart"
MAX_QUANTITY = 20  # per product: more is a business order, and keeps a session small


@dataclass
class CartLine:
    product: Product
    quantity: int

    @property
    def line_total(self) -> Decimal:
        return self.product.price * self.quantity

    @property
    def in_stock(self) -> bool:
        return self.quantity <= self.product.stock


class Cart:
    """A session's cart: {product id: quantity}. Prices are read from the catalogue, never from the session."""

    def __init__(self, session: SessionBase) -> None:
        self.session = session

    @property
    def _quantities(self) -> dict[str, int]:
        return dict(self.session.get(SESSION_KEY, {}))

    def _save(self, quantities: dict[str, int]) -> None:
        self.session[SESSION_KEY] = {key: qty for key, qty in quantities.items() if qty > 0}

    def add(self, product: Product, quantity: int = 1) -> int:
        """Add `quantity` of `product`; returns the quantity now in the cart (capped by stock)."""
        quantities = self._quantities
        wanted = quantities.get(str(product.id), 0) + max(quantity, 0)
        quantities[str(product.id)] = min(wanted, MAX_QUANTITY, product.stock)
        self._save(quantities)
        return quantities[str(product.id)]

    def set(self, product_id: int, quantity: int) -> None:
        quantities = self._quantities
        if str(product_id) in quantities:
            quantities[str(product_id)] = max(min(quantity, MAX_QUANTITY), 0)
            self._save(quantities)

    def remove(self, product_id: int) -> None:
        self.set(product_id, 0)

    def clear(self) -> None:
        self.session.pop(SESSION_KEY, None)

    def lines(self) -> list[CartLine]:
        quantities = self._quantities
        products = Product.objects.prefetch_related("translations").in_bulk([int(key) for key in quantities])
        return [CartLine(products[int(key)], qty) for key, qty in quantities.items() if int(key) in products]

    @property
    def count(self) -> int:
        return sum(self._quantities.values())

    def items_total(self) -> Decimal:
        return sum((line.line_total for line in self.lines()), Decimal("0.00"))
