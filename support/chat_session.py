"""`POST /chat/session/`: the browser session an anonymous visitor's chat belongs to.

A page view makes no session: most visitors never open the chat, and a stored session
per cookieless request (crawlers, health checks, `/metrics`) only fills the table. The
widget asks for one when the chat first opens, before its socket connects: the socket
cannot set a cookie, and without one an anonymous conversation would not survive a
reload.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from support.models import Conversation

CHAT_MARK = "chat"


@require_POST
def chat_session_open(request: HttpRequest) -> HttpResponse:
    """204, with a session cookie when the browser had no live session yet (the page's CSRF token is required)."""
    if not request.session.keys():  # no session yet, or the cookie's one expired
        request.session[CHAT_MARK] = True  # modified and not empty: SessionMiddleware stores it and sets the cookie
    return HttpResponse(status=204)


def chat_return(request: HttpRequest, token: str) -> HttpResponse:
    """`/chat/return/<token>/`: the link in an email of the team's replies; opens that conversation's chat.

    The link is signed and expires (REPLY_LINK_DAYS). A signed-in customer's conversation opens
    only for them (signing in first if needed); a visitor's opens in the browser that follows
    the link, which only the address they gave us received, and only signed out: whoever holds
    a visitor's link (the visitor, or anyone they forwarded it to) must not be able to make a
    signed-in customer's browser adopt that conversation, with its open sockets, into the
    customer's account and orders. So a signed-in browser gets a page saying so, and a browser
    that opened the link signs in without taking the conversation along (`LINKED_KEY`). The address
    a visitor gives may be someone else's: another browser that opens the link owns the conversation
    from then on, alone (`reply_link_owner_take`), once its holder confirms (a POST: mail scanners
    follow links).
    """
    from support.services.away import reply_link_conversation
    from support.services.conversations import SESSION_KEY, conversation_owned_by, reply_link_owner_take

    conversation_id = reply_link_conversation(token)
    conversation = Conversation.objects.filter(id=conversation_id).first() if conversation_id else None
    if conversation is None:
        return _expired(request)
    if conversation.customer_id is not None:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.user.pk != conversation.customer_id:
            return _expired(request)
    elif request.user.is_authenticated:
        return render(request, "support/chat_return_signed_in.html", status=403)
    elif not conversation_owned_by(conversation, user=request.user, session=request.session):
        # Not the browser that started it (or owns it): it takes the chat over by a POST, so that a mail
        # scanner following the link takes nothing from the visitor.
        if request.method != "POST":
            return render(request, "support/chat_return_open.html")
        reply_link_owner_take(conversation, session=request.session)
    request.session[SESSION_KEY] = str(conversation.id)
    return redirect("/?chat=open")


def _expired(request: HttpRequest) -> HttpResponse:
    return render(request, "support/chat_return_expired.html", {"days": settings.REPLY_LINK_DAYS}, status=404)
