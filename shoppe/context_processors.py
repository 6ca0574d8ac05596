"""What every storefront page shows: how many items are in the cart, and the chat's limits."""
from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from shoppe.cart import Cart


def cart(request: HttpRequest) -> dict[str, int]:
    # Reading the session creates none: a visitor without a cart stores nothing.
    session = getattr(request, "session", None)
    return {"cart_count": Cart(session).count if session is not None else 0}


def chat_limits(request: HttpRequest) -> dict[str, int]:
    # The widget says "too large" / "too long" before sending; the server checks again
    # (support/services/photos.py, support/consumers.py).
    return {"photo_max_bytes": settings.PHOTO_MAX_BYTES, "chat_max_message_chars": settings.CHAT_MAX_MESSAGE_CHARS}
