"""A guest order's page without an account: the chat's proof kept after staff resolve the chat.

A guest's walkthrough: once staff resolved the chat (having told the guest to use their order page) the page sent the
guest, who has no account, to the sign-in form.
"""
from __future__ import annotations

import html
import uuid

import pytest
from django.contrib.auth.models import User
from django.test import Client

from shoppe.models import Order
from support.models import Conversation
from support.services.conversations import LINK_OWNER_KEY, SESSION_KEY, conversation_follow, message_receive
from support.services.handoff import handoff_claim, handoff_request, handoff_resolve
from support.services.proofs import order_proof_record
from tests.support.test_human_tier import team  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def page(browser: Client, path: str) -> str:
    return html.unescape(browser.get(path).content.decode())


def refused(browser: Client, path: str) -> bool:
    """`path` (a link, or an order's page) showed nothing: the browser, following its redirects, lands on the order
    page's answer to a visitor, the sign-in form."""
    response = browser.get(path, follow=True)
    return response.redirect_chain[-1][0].startswith("/account/login/")


def guest_whose_chat_proved(order: Order) -> tuple[Client, Conversation]:
    """A visitor's browser whose chat proved the guest `order` by its number and email (may read it)."""
    chat = Conversation.objects.create(session_key="erin-session")
    order_proof_record(conversation=chat, order=order)
    browser = Client()
    session = browser.session
    session[SESSION_KEY] = str(chat.id)
    session.save()
    return browser, chat


def resolved_and_asked_again(chat: Conversation, browser: Client, agent: User) -> Conversation:
    """Staff take the chat over and resolve it; the guest's next question starts the next conversation, which their
    browser follows (as the chat's socket does)."""
    handoff = handoff_request(conversation_id=chat.id, reason="contact_human_agent",
                              message="I want to talk to a person")
    handoff_claim(handoff_id=handoff.id, agent=agent)
    handoff_resolve(handoff_id=handoff.id, agent=agent)
    message, _ = message_receive(conversation_id=chat.id, text="Where is the refund button?",
                                 client_id=uuid.uuid4())
    assert message.conversation_id != chat.id  # a new conversation
    conversation_follow(session=browser.session, conversation_id=message.conversation_id)
    return Conversation.objects.get(id=message.conversation_id)


def test_a_guest_keeps_the_order_page_their_chat_proved_after_staff_resolve_the_chat(make_guest_order,
                                                                                    team) -> None:  # noqa: F811
    erins = make_guest_order("erin@example.test")
    erin, chat = guest_whose_chat_proved(erins)
    assert erin.get(f"/orders/{erins.number}/").status_code == 200

    resolved_and_asked_again(chat, erin, team["sam"])

    shown = page(erin, f"/orders/{erins.number}/")
    assert f"Order {erins.number}" in shown and "Oudegracht 99" in shown
    assert erin.get(f"/orders/{erins.number}/invoice/").status_code == 200
    others = make_guest_order("gwen@example.test")
    assert refused(erin, f"/orders/{others.number}/")  # only what her chats proved


def test_a_reply_link_that_took_the_earlier_chat_keeps_its_orders_from_the_browser_that_started_it(
        make_guest_order, team) -> None:  # noqa: F811
    # Session 27's security property, across conversations: once a reply link took a chat over, the browser that
    # started it opens none of the orders proved in it, and the link's holder none of what came before it.
    erins = make_guest_order("erin@example.test")
    starter, chat = guest_whose_chat_proved(erins)
    following = resolved_and_asked_again(chat, starter, team["sam"])
    Conversation.objects.filter(id=chat.id).update(link_owner="the-link-holders-secret")
    assert refused(starter, f"/orders/{erins.number}/")

    # and the holder of a reply link to the new conversation gets nothing the starter proved before it
    Conversation.objects.filter(id=chat.id).update(link_owner="")
    Conversation.objects.filter(id=following.id).update(link_owner="another-holders-secret")
    holder = Client()
    session = holder.session
    session[SESSION_KEY], session[LINK_OWNER_KEY] = str(following.id), "another-holders-secret"
    session.save()
    assert refused(holder, f"/orders/{erins.number}/")
