"""What the pages with a live socket (the chat widget, the staff console) tell their scripts about it.

The close codes and the typing interval are the server's (support/sockets.py,
support/services/typing.py); templates put them on the page as data attributes, so the browser
code (static/shared/socket.js) never keeps its own copy.
"""
from __future__ import annotations

from django.http import HttpRequest

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
