"""Give every storefront visitor a session, so their chat survives a reload."""
from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


def chat_session_middleware(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        if request.method == "GET" and not request.session.session_key:
            request.session["chat"] = True  # marks the session modified, so the cookie is set
        return get_response(request)

    return middleware
