"""`POST /chat/session/`: the browser session an anonymous visitor's chat belongs to.

A page view makes no session: most visitors never open the chat, and a stored session
per cookieless request (crawlers, health checks, `/metrics`) only fills the table. The
widget asks for one when the chat first opens, before its socket connects: the socket
cannot set a cookie, and without one an anonymous conversation would not survive a
reload.
"""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

CHAT_MARK = "chat"


@require_POST
def chat_session_open(request: HttpRequest) -> HttpResponse:
    """204, with a session cookie when the browser had no live session yet (the page's CSRF token is required)."""
    if not request.session.keys():  # no session yet, or the cookie's one expired
        request.session[CHAT_MARK] = True  # modified and not empty: SessionMiddleware stores it and sets the cookie
    return HttpResponse(status=204)
