"""What the pages with a live socket (the chat widget, the staff console) tell their scripts about it.

The close codes and the typing interval are the server's (support/sockets.py,
support/services/typing.py); templates put them on the page as data attributes, so the browser
code (static/shared/socket.js) never keeps its own copy.
"""
from __future__ import annotations

from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from support.services.typing import TYPING_EVERY_S
from support.sockets import CLOSE_FORBIDDEN, CLOSE_SIGNED_OUT, CLOSE_TOO_MANY_CONNECTIONS


def socket_contract(request: HttpRequest) -> dict[str, object]:
    return {
        "socket_close": {
            "signed_out": CLOSE_SIGNED_OUT,
            "forbidden": CLOSE_FORBIDDEN,
            "too_many_connections": CLOSE_TOO_MANY_CONNECTIONS,
        },
        "typing_every_ms": round(TYPING_EVERY_S * 1000),
    }


def chat_owner(request: HttpRequest) -> dict[str, str]:
    """Whose chat the page's widget is: a tag of the signed-in customer (an HMAC of their id, naming no one), empty for
    a visitor. The widget keeps unsent messages and the draft in the browser's storage; when the tag they were
    written under is another customer's, it drops them instead of sending them as this person (session 35's
    walkthrough: alice's unsent message with her phone number went out from the sign-in page as a visitor's, after
    she signed out, and her draft showed in the next customer's chat)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"chat_owner": ""}
    return {"chat_owner": salted_hmac("support.chat-owner", str(user.pk)).hexdigest()[:16]}
