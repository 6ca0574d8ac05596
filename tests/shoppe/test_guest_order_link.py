"""A guest order's page without an account: the "view your order" link in its emails, and the chat's proof kept after
staff resolve the chat.

A guest's walkthrough: the confirmation email had no link to the order, and once staff resolved the chat (having told
the guest to use their order page) the page sent the guest, who has no account, to the sign-in form.
"""
from __future__ import annotations

import html
import re
import time
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

from shoppe.guest_orders import ORDER_LINK_DAYS
from shoppe.models import Order, Product
from support.models import Conversation
from support.services.conversations import LINK_OWNER_KEY, SESSION_KEY, conversation_follow, message_receive
from support.services.handoff import handoff_claim, handoff_request, handoff_resolve
from support.services.proofs import order_proof_record
from tests.shoppe.test_checkout import CARD, GUEST
from tests.shoppe.test_order_payment import guest_browser, page
from tests.support.test_human_tier import team  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

def guest_checkout(django_capture_on_commit_callbacks, language: str = "") -> tuple[Order, str]:
    """Gwen buys a lamp without an account (in `language`'s pages); returns her order and its confirmation email."""
    Product.objects.create(slug="blue-ceramic-table-lamp", name="Blue ceramic table lamp", category="Lamps",
                           description="A lamp.", price=Decimal("64.00"), stock=3)
    shop = Client()
    prefix = f"/{language}" if language else ""
    shop.post(f"{prefix}/cart/add/blue-ceramic-table-lamp/")
    shop.post(f"{prefix}/checkout/", GUEST)
    with django_capture_on_commit_callbacks(execute=True):  # the confirmation email goes after the commit
        shop.post(f"{prefix}/checkout/payment/", CARD)
    return Order.objects.get(), mail.outbox[-1].body


def order_link(email: str) -> str:
    """The path of the order page's link in an email ("http://testserver/orders/10001/open/<token>/")."""
    found = re.search(r"http://testserver(/\S*/orders/\d+/open/\S+/|/orders/\d+/open/\S+/)", email)
    assert found, email
    return found.group(1)


def refused(browser: Client, path: str) -> bool:
    """`path` (a link, or an order's page) showed nothing: the browser, following its redirects, lands on the order
    page's answer to a visitor, the sign-in form."""
    response = browser.get(path, follow=True)
    return response.redirect_chain[-1][0].startswith("/account/login/")


def test_the_confirmation_email_links_the_guest_order_page_which_opens_without_an_account(
        django_capture_on_commit_callbacks) -> None:
    order, email = guest_checkout(django_capture_on_commit_callbacks)
    link = order_link(email)

    # Gwen opens the link on another device, with no account and no chat
    phone = Client()
    opened = phone.get(link)

    # then she lands on the order's page at its plain address (the token leaves the address bar) and sees it
    assert opened.status_code == 302 and opened["Location"] == f"/orders/{order.number}/"
    shown = page(phone, opened["Location"])
    assert f"Order {order.number}" in shown and "Oudegracht 99" in shown
    assert phone.get(f"/orders/{order.number}/invoice/").status_code == 200
    assert "Cancel order" not in shown  # changing a guest order still takes the code the chat emails


def test_the_link_is_in_the_language_the_order_was_placed_in(django_capture_on_commit_callbacks) -> None:
    order, email = guest_checkout(django_capture_on_commit_callbacks, language="nl")
    link = order_link(email)
    assert "De pagina van je bestelling, om hem te volgen en de factuur af te drukken: http://testserver/nl/" in email
    assert link.startswith(f"/nl/orders/{order.number}/open/")
    assert Client().get(link)["Location"] == f"/nl/orders/{order.number}/"


def test_the_link_opens_its_own_order_only(django_capture_on_commit_callbacks, make_guest_order) -> None:
    gwens, email = guest_checkout(django_capture_on_commit_callbacks)
    token = order_link(email).rstrip("/").rsplit("/", 1)[1]
    erins = make_guest_order("erin@example.test")

    # Gwen's token under Erin's order number opens nothing, and shows nothing of Erin's
    browser = Client()
    assert refused(browser, f"/orders/{erins.number}/open/{token}/")
    assert refused(browser, f"/orders/{erins.number}/")
    assert refused(browser, f"/orders/{erins.number}/invoice/")
    assert refused(browser, f"/orders/{gwens.number}/")  # nor her own, without her link


def test_a_tampered_link_opens_nothing(django_capture_on_commit_callbacks) -> None:
    order, email = guest_checkout(django_capture_on_commit_callbacks)
    link = order_link(email)
    number_signed, stamp, signature = link.rstrip("/").rsplit("/", 1)[1].split(":")
    changed_signature = f"/orders/{order.number}/open/{number_signed}:{stamp}:{signature[:-2]}xy/"
    browser = Client()
    assert refused(browser, changed_signature)
    assert refused(browser, f"/orders/{order.number}/open/made-up/")
    shown = page(browser, f"/orders/{order.number}/")
    assert "Oudegracht 99" not in shown


def test_the_link_expires(django_capture_on_commit_callbacks, monkeypatch: pytest.MonkeyPatch) -> None:
    order, email = guest_checkout(django_capture_on_commit_callbacks)
    link = order_link(email)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + ORDER_LINK_DAYS * 24 * 3600 + 60)
    browser = Client()
    response = browser.get(link, follow=True)
    assert response.redirect_chain[-1][0].startswith("/account/login/")
    said = html.unescape(response.content.decode())
    assert f"This link to order {order.number} has expired" in said and "Our assistant in the chat" in said
    assert refused(browser, f"/orders/{order.number}/")


def test_an_order_on_an_account_gets_a_plain_link_that_asks_to_sign_in(
        make_customer, django_capture_on_commit_callbacks) -> None:
    Product.objects.create(slug="blue-ceramic-table-lamp", name="Blue ceramic table lamp", category="Lamps",
                           description="A lamp.", price=Decimal("64.00"), stock=3)
    alice = Client()
    alice.force_login(make_customer("alice"))
    alice.post("/cart/add/blue-ceramic-table-lamp/")
    alice.post("/checkout/", {**GUEST, "email": "alice@example.test"})
    with django_capture_on_commit_callbacks(execute=True):
        alice.post("/checkout/payment/", CARD)
    order = Order.objects.get()
    email = mail.outbox[-1].body
    assert f"http://testserver/orders/{order.number}/\n" in email and "/open/" not in email
    assert refused(Client(), f"/orders/{order.number}/")
    assert alice.get(f"/orders/{order.number}/").status_code == 200


def guest_whose_chat_proved(order: Order) -> tuple[Client, Conversation]:
    """A visitor's browser whose chat proved the guest `order` by its number and email (may read it), and that chat."""
    browser = guest_browser(order)
    return browser, Conversation.objects.get(id=browser.session[SESSION_KEY])


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


def test_the_holder_of_a_reply_link_keeps_what_they_proved_in_the_chat_they_took_when_they_ask_again(
        make_guest_order, team) -> None:  # noqa: F811
    # The holder's next question after the chat ended starts a conversation of their own that inherits its owner
    # (support/services/conversations.py `conversation_next`): what they proved in the chat they took stays theirs there,
    # and the browser that started it still opens nothing of it.
    erins = make_guest_order("erin@example.test")
    starter, chat = guest_whose_chat_proved(Order.objects.create(number=10999, email="x@example.test"))
    Conversation.objects.filter(id=chat.id).update(link_owner="the-link-holders-secret")
    holder = Client()
    session = holder.session
    session[SESSION_KEY], session[LINK_OWNER_KEY] = str(chat.id), "the-link-holders-secret"
    session.save()
    order_proof_record(conversation=chat, order=erins)
    assert holder.get(f"/orders/{erins.number}/").status_code == 200

    resolved_and_asked_again(Conversation.objects.get(id=chat.id), holder, team["sam"])

    assert holder.get(f"/orders/{erins.number}/").status_code == 200
    assert refused(starter, f"/orders/{erins.number}/")


def test_the_holder_of_a_reply_link_opens_none_of_the_orders_the_starter_proved_or_filed_a_refund_for(
        make_guest_order) -> None:
    # Session 35's security probe: the guest proved order 10039 and filed its refund in the chat, then gave an email
    # address for the team's replies (someone else's); whoever opened the reply link opened the order's page and its
    # invoice, as the chat they took still held the starter's proofs.
    from support.services.conversations import reply_link_owner_take
    from support.services.refunds import refund_request_file

    erins = make_guest_order("erin@example.test", status="delivered")
    starter, chat = guest_whose_chat_proved(erins)
    order_proof_record(conversation=chat, order=erins, to="confirmed_orders")
    refund_request_file(conversation=chat, order=erins, item_ids=[erins.items.first().id], reason="it arrived broken")
    assert starter.get(f"/orders/{erins.number}/").status_code == 200

    holder = Client()
    session = holder.session
    reply_link_owner_take(Conversation.objects.get(id=chat.id), session=session)
    session.save()

    assert refused(holder, f"/orders/{erins.number}/") and refused(holder, f"/orders/{erins.number}/invoice/")
    taken = Conversation.objects.get(id=chat.id).state
    assert not {"verified_orders", "confirmed_orders", "order_in_focus", "pending"} & set(taken)
    # what the holder proves from now on is theirs
    order_proof_record(conversation=Conversation.objects.get(id=chat.id), order=erins)
    assert holder.get(f"/orders/{erins.number}/").status_code == 200
