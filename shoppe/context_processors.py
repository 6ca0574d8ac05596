"""What every storefront page shows: how many items are in the cart."""
from __future__ import annotations

from django.http import HttpRequest

from shoppe.cart import Cart


def cart(request: HttpRequest) -> dict[str, int]:
    # Reading the session creates none: a visitor without a cart stores nothing.
    session = getattr(request, "session", None)
    return {"cart_count": Cart(session).count if session is not None else 0}
