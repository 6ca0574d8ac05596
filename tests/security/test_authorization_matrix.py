"""The authorization matrix: who may use which page, form and socket event.

Six roles, one column each:

    anonymous    a visitor who is not signed in (a fresh browser session)
    customer_a   Alice, who owns the order, invoice, conversation, handoff and refund request under test
    customer_b   Bob, another customer, with an order of his own
    agent        staff in the "Support agent" group
    supervisor   staff in the "Supervisor" group
    ops          staff in the "Ops" group (read-only console, the ops pages)

Read the tables first, they are the policy:

    PAGES           every URL pattern of the site (GET), filled in with Alice's objects
    FORM_POSTS      the state-changing forms (POST); a denied role must change nothing
    CSRF_FORMS      forms that must refuse a POST without a CSRF token
    SOCKET_CONNECT  who may open /ws/chat/ and /ws/console/, and with which conversation
    CHAT_EVENTS     every event the customer's chat socket handles
    CONSOLE_EVENTS  every event the staff console socket handles
    ASSISTANT       what the chat assistant tells each role about Alice's order

Completeness is enforced: a URL pattern without a PAGES row, a socket route without a
SOCKET_CONNECT row, or a socket event handler without a row makes the tests fail.

At the end, under RIGHTS THAT CHANGE WHILE A SOCKET IS OPEN: the two holes the matrix
found (fixed since), kept as guards.

Run: SHOPPE_DATA_DIR=.data/test-authz .venv/bin/python -m pytest -q tests/security
"""
from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.core import mail
from django.core.files.base import ContentFile
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from shoppe.models import Address, Customer, Invoice, Order, OrderItem, Product, Shipment
from support.models import (
    AgentSettings,
    CannedResponse,
    Conversation,
    DeviceStatus,
    EscalationLog,
    Feedback,
    Handoff,
    InternalNote,
    Message,
    RefundDecision,
    RefundRequest,
    Photo,
    RouteLabel,
)
from support.roles import AGENT as AGENT_GROUP
from support.roles import OPS as OPS_GROUP
from support.roles import SUPERVISOR as SUPERVISOR_GROUP
from support.services.away import reply_link_token
from tests.conftest import session_cookie_for

ANONYMOUS, CUSTOMER_A, CUSTOMER_B, AGENT, SUPERVISOR, OPS = ROLES = (
    "anonymous", "customer_a", "customer_b", "agent", "supervisor", "ops")
STAFF = (AGENT, SUPERVISOR, OPS)


@dataclass(frozen=True)
class Outcome:
    """One cell of a matrix. HTTP cells carry the status codes (and redirect target) they accept."""

    name: str
    status: tuple[int, ...] = ()
    location: str = ""

    def __repr__(self) -> str:
        return self.name


# --- HTTP outcomes ------------------------------------------------------------------------------------------
OK = Outcome("OK", (200,))  # the page, with nothing of Alice's on it
SEES_A = Outcome("SEES_A", (200,))  # the page, showing Alice's data (her order, invoice, messages...)
LOGIN = Outcome("LOGIN", (302,), "/account/login/?next=")  # sent to the customer sign-in
ACCOUNT = Outcome("ACCOUNT", (302,), "/account/")  # already signed in: sent to their account (sign-up)
MY_ORDERS = Outcome("MY_ORDERS", (302,), "/orders/")  # already signed in: on to My orders (the sign-in form)
TO_ORDER_A = Outcome("TO_ORDER_A", (302,), "/orders/77001/")  # her pay page, her order paid: back to it, saying so
TO_CONSOLE = Outcome("TO_CONSOLE", (302,), "/console/")  # the support team, already signed in: on to their console
TO_CART = Outcome("TO_CART", (302,), "/cart/")  # checkout with an empty cart: back to the cart
TO_HOME = Outcome("TO_HOME", (302,), "/")  # the language switcher: GET changes nothing, back to a page
STAFF_LOGIN = Outcome("STAFF_LOGIN", (302,), "/admin/login/?next=")  # sent to the staff sign-in
STAFF_ONLY = Outcome("STAFF_ONLY", (403,))  # signed in without the right: a page saying it is for the support team
FORBIDDEN = Outcome("FORBIDDEN", (403,))
NOT_FOUND = Outcome("NOT_FOUND", (404,))  # someone else's object looks exactly like no object
NOT_ALLOWED = Outcome("NOT_ALLOWED", (405,))  # wrong method (reached only by roles allowed past the guard)
UNAUTHORIZED = Outcome("UNAUTHORIZED", (401,))
TO_ICON = Outcome("TO_ICON", (301,), "/static/shoppe/favicon")  # /favicon.ico: the static icon, for everyone
PHOTO_A = Outcome("PHOTO_A", (200,))  # Alice's photo itself (an image/* response)
OPENS_CHAT = Outcome("OPENS_CHAT", (302,), "/?chat=open")  # a link from a reply email: its conversation, in the chat
LINK_REFUSED = Outcome("LINK_REFUSED", (403,))  # a visitor's reply link in a signed-in browser: a page saying why
HEALTH = Outcome("HEALTH", (200, 503))  # public; 503 only says a dependency (the local models) is down
# --- state-changing outcomes (forms and socket events) ------------------------------------------------------
DONE = Outcome("DONE", (200, 302))  # it took effect (each row says what that means)
UNCHANGED = Outcome("UNCHANGED", (200, 302))  # accepted, but the service refuses: nothing changes
DENIED = Outcome("DENIED")  # the socket answers with an error (see DENIAL_CODES); nothing changes
INVALID = Outcome("INVALID")  # error "invalid": the event names nothing the actor may act on; nothing changes
# Past the rights check: the event's own answer comes back (the console's translations: the matrix's world has no
# LLM configured, so "translation_unavailable"; tests/support/test_console_languages.py translates for real).
ALLOWED = Outcome("ALLOWED")
# --- socket connections -------------------------------------------------------------------------------------
JOINS_A = Outcome("JOINS_A")  # connected to Alice's conversation, with her history
JOINS_OWN = Outcome("JOINS_OWN")  # connected to a conversation of their own (new or earlier), never Alice's
QUEUE = Outcome("QUEUE")  # the console connects and sends the queue (with Alice's handoff)
REFUSED = Outcome("REFUSED")  # accepted, then closed with 4403 before anything is sent (a browser sees the code)
OTHER_ORIGIN = Outcome("OTHER_ORIGIN")  # the handshake is refused (HTTP 403): a page of another origin gets no socket
# --- what the assistant says --------------------------------------------------------------------------------
NO_A = Outcome("NO_A")  # an answer without any of Alice's data

DENIALS = (LOGIN, STAFF_LOGIN, STAFF_ONLY, FORBIDDEN, NOT_FOUND, UNAUTHORIZED)
DENIAL_CODES = ("forbidden", "bad_feedback", "already_claimed")

ORDER_A, ORDER_B = 77001, 77002
UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000"
# Anything of Alice's: her messages and refund reason (PRIVATE-A), address, invoice, tracking number, order number.
A_DATA = re.compile(r"PRIVATE-A|Prinsengracht|INV-A-77001|\b77001\b")
ALWAYS_OPEN = "mon-sun 00:00-24:00"
# A 1x1 PNG: Alice's photo.
PNG_1PX = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e5276ede0000000049454e44ae426082")


def row(label: str, *cells: Outcome) -> tuple[str, dict[str, Outcome]]:
    assert len(cells) == len(ROLES), f"{label}: one cell per role {ROLES}"
    return label, dict(zip(ROLES, cells, strict=True))


# ============================================================================================================
# PAGES: every URL pattern, fetched with GET by each role. Placeholders are Alice's objects.
# The route each path resolves to is matched against the URL resolver: a new page without a row fails
# test_every_url_pattern_has_a_row. Django's admin counts as one pattern ("admin/"): a few representative pages.
# ============================================================================================================
PAGES = [
    #   path                                      anonymous    customer_a   customer_b   agent        supervisor   ops
    row("/",                                      OK,          OK,          OK,          OK,          OK,          OK),
    row("/products/",                             OK,          OK,          OK,          OK,          OK,          OK),
    row("/products/{product}/",                   OK,          OK,          OK,          OK,          OK,          OK),
    row("/orders/",                               LOGIN,       SEES_A,      OK,          OK,          OK,          OK),
    row("/orders/{order_a}/",                     LOGIN,       SEES_A,      NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND),
    row("/orders/{order_a}/invoice/",             LOGIN,       SEES_A,      NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND),
    # The free return label of Alice's delivered EU order with her return started (help: returns-and-exchanges).
    # A guest's label needs the chat proof in that browser's session: tests/shoppe/test_return_labels.py.
    row("/orders/{order_a}/return-label/",        LOGIN,       SEES_A,      NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND),
    # Paying an order waiting for its payment: Alice's is delivered (paid), so her pay page sends her back to it.
    # The payment itself, a guest's and a declined card: tests/shoppe/test_order_payment.py.
    row("/orders/{order_a}/pay/",                 LOGIN,       TO_ORDER_A,  NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND),
    # A guest order's emailed link (a token that opens nothing here: Alice's order is an account's) leads everyone to the
    # order's plain page, which then answers as the row above it does. Working, changed, expired and other orders'
    # links: tests/shoppe/test_guest_order_link.py.
    row("/orders/{order_a}/open/not-a-token/",    TO_ORDER_A,  TO_ORDER_A,  TO_ORDER_A,  TO_ORDER_A,  TO_ORDER_A,  TO_ORDER_A),
    row("/help/",                                 OK,          OK,          OK,          OK,          OK,          OK),
    row("/help/{help_page}/",                     OK,          OK,          OK,          OK,          OK,          OK),
    row("/account/login/",                        OK,          MY_ORDERS,   MY_ORDERS,   TO_CONSOLE,  TO_CONSOLE,  TO_CONSOLE),
    row("/account/logout/",                       NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    row("/account/password_change/",              LOGIN,       OK,          OK,          OK,          OK,          OK),
    row("/account/password_change/done/",         LOGIN,       OK,          OK,          OK,          OK,          OK),
    row("/account/password_reset/",               OK,          OK,          OK,          OK,          OK,          OK),
    row("/account/password_reset/done/",          OK,          OK,          OK,          OK,          OK,          OK),
    row("/account/reset/{uid_a}/bad-token/",      OK,          OK,          OK,          OK,          OK,          OK),
    row("/account/reset/done/",                   OK,          OK,          OK,          OK,          OK,          OK),
    # #15: the account, saved addresses (each customer's own only), the cart, checkout and gift cards.
    row("/account/",                              LOGIN,       SEES_A,      OK,          OK,          OK,          OK),
    row("/account/signup/",                       OK,          ACCOUNT,     ACCOUNT,     ACCOUNT,     ACCOUNT,     ACCOUNT),
    row("/account/email/confirm/forged-token/",   NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND),
    row("/account/email/send-link/",              LOGIN,       NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    row("/account/addresses/",                    LOGIN,       SEES_A,      OK,          OK,          OK,          OK),
    row("/account/addresses/new/",                LOGIN,       OK,          OK,          OK,          OK,          OK),
    row("/account/addresses/{address_a}/edit/",   LOGIN,       SEES_A,      NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND),
    # POST only (FORM_POSTS: "addresses: delete A's address").
    row("/account/addresses/{address_a}/delete/", LOGIN,       NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    # The customer's own conversations (#15 item 13): someone else's is a 404, as one that does not exist.
    row("/account/conversations/",                LOGIN,       SEES_A,      OK,          OK,          OK,          OK),
    row("/account/conversations/{conversation_a}/", LOGIN,     SEES_A,      NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND),
    # POST only (FORM_POSTS: "conversations: email A's transcript").
    row("/account/conversations/{conversation_a}/email/", LOGIN, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED,
        NOT_ALLOWED),
    row("/cart/",                                 OK,          OK,          OK,          OK,          OK,          OK),
    row("/cart/add/{product}/",                   NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    row("/cart/update/",                          NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    row("/checkout/",                             TO_CART,     TO_CART,     TO_CART,     TO_CART,     TO_CART,     TO_CART),
    row("/checkout/payment/",                     TO_CART,     TO_CART,     TO_CART,     TO_CART,     TO_CART,     TO_CART),
    # The confirmation: for the browser that placed the order, or the account it is on.
    row("/checkout/done/{order_a}/",              LOGIN,       SEES_A,      NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND),
    row("/gift-cards/balance/",                   OK,          OK,          OK,          OK,          OK,          OK),
    # #15 gaps: buying gift cards, the newsletter, reviews and order actions in My orders. The actions are
    # POST only (their owner and state checks: tests/shoppe/test_order_actions.py); a card's confirmation
    # is for the browser that bought it; a forged unsubscribe or review link names nothing.
    row("/gift-cards/",                           OK,          OK,          OK,          OK,          OK,          OK),
    row("/gift-cards/bought/999999/",             NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND),
    row("/newsletter/",                           OK,          OK,          OK,          OK,          OK,          OK),
    row("/newsletter/confirm/forged-token/",      NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND),
    row("/newsletter/unsubscribe/forged-token/",  NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND),
    row("/orders/{order_a}/cancel/",              LOGIN,       NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    row("/orders/{order_a}/address/",             LOGIN,       NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    row("/orders/{order_a}/refund/",              LOGIN,       NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    row("/products/{product}/review/",            NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    row("/reviews/write/forged-token/",           NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND),
    # POST only, by the chat widget (tests/support/test_chat_session.py: CSRF, one session per browser).
    row("/chat/session/",                         NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    # #15 item 12: photos. The upload is POST only (tests/support/test_photos.py: CSRF, size, type, owner);
    # a photo is shown to its conversation's customer and to staff, and is a 404 to everyone else.
    row("/chat/photos/",                          NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    row("/chat/photos/{photo_a}/",                NOT_FOUND,   PHOTO_A,     NOT_FOUND,   PHOTO_A,     PHOTO_A,     PHOTO_A),
    # The signed link in an email of the team's replies (#15 item 11): a customer's conversation opens only for
    # them, signed in; a visitor's (who has no account) for whoever holds the link that went to their address.
    row("/chat/return/{reply_link_a}/",           LOGIN,       OPENS_CHAT,  NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND),
    # a visitor's chat opens signed out only: signed in, the browser would adopt it into the account
    # a visitor's link in a browser that did not start the chat: a page asking to open it here (a POST takes it)
    row("/chat/return/{reply_link_visitor}/",     OK,          LINK_REFUSED, LINK_REFUSED, LINK_REFUSED, LINK_REFUSED, LINK_REFUSED),
    row("/chat/return/forged-token/",             NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND),
    # The chat widget's strings in the page's language (Django's JavaScript catalogue; "/nl/jsi18n/" is Dutch).
    row("/jsi18n/",                               OK,          OK,          OK,          OK,          OK,          OK),
    # The on-device assistant (#19): its manifest and content-hashed files are public, like the help centre they
    # carry; a name that is not one of the export's files is not found.
    row("/assistant/device/manifest.json",        OK,          OK,          OK,          OK,          OK,          OK),
    row("/assistant/device/not-an-export-file.json", NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND,   NOT_FOUND,   NOT_FOUND),
    row("/console/",                              STAFF_LOGIN, STAFF_ONLY,  STAFF_ONLY,  OK,          OK,          OK),
    # POST only (FORM_POSTS: "console: set own working language").
    row("/console/language/",                     STAFF_LOGIN, STAFF_ONLY,  STAFF_ONLY,  NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    row("/ops/",                                  STAFF_LOGIN, STAFF_ONLY,  STAFF_ONLY,  STAFF_ONLY,  OK,          OK),
    # The device tier per day (#19): counts only, like the dashboard.
    row("/ops/devices.csv",                       STAFF_LOGIN, STAFF_ONLY,  STAFF_ONLY,  STAFF_ONLY,  OK,          OK),
    row("/ops/escalations/",                      STAFF_LOGIN, STAFF_ONLY,  STAFF_ONLY,  STAFF_ONLY,  SEES_A,      SEES_A),
    row("/ops/escalations.csv",                   STAFF_LOGIN, STAFF_ONLY,  STAFF_ONLY,  STAFF_ONLY,  SEES_A,      SEES_A),
    row("/ops/conversations/{conversation_a}/",   STAFF_LOGIN, STAFF_ONLY,  STAFF_ONLY,  STAFF_ONLY,  SEES_A,      SEES_A),
    row("/ops/messages/{message_a}/label/",       STAFF_LOGIN, STAFF_ONLY,  STAFF_ONLY,  STAFF_ONLY,  NOT_ALLOWED, NOT_ALLOWED),
    # The language switcher (Django's set_language): only a POST sets the cookie; it is no one's data.
    row("/i18n/setlang/",                         TO_HOME,     TO_HOME,     TO_HOME,     TO_HOME,     TO_HOME,     TO_HOME),
    row("/favicon.ico",                           TO_ICON,     TO_ICON,     TO_ICON,     TO_ICON,     TO_ICON,     TO_ICON),
    row("/healthz",                               HEALTH,      HEALTH,      HEALTH,      HEALTH,      HEALTH,      HEALTH),
    # /healthz: everyone learns up or down; only staff and the token get the details (tests/support/test_operations.py).
    # METRICS_TOKEN unset (embedded only; production requires one): this machine and staff; the test client is
    # 127.0.0.1, so every role reads it here (other addresses: tests/support/test_operations.py). With a token: next row.
    row("/metrics",                               OK,          OK,          OK,          OK,          OK,          OK),
    row("/metrics (METRICS_TOKEN set)",           UNAUTHORIZED, UNAUTHORIZED, UNAUTHORIZED, UNAUTHORIZED, UNAUTHORIZED,
        UNAUTHORIZED),
    # Django's admin (one pattern, "admin/"): staff read what their groups' view permissions allow.
    row("/admin/",                                STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, OK,          OK,          OK),
    row("/admin/support/refundrequest/",          STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, SEES_A,      SEES_A,      SEES_A),
    row("/admin/support/conversation/{conversation_a}/change/",
        STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, SEES_A, SEES_A, SEES_A),
    # Orders and customers are for the people who help customers; ops read figures and traces (session 30).
    row("/admin/shoppe/order/",                   STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, SEES_A,      SEES_A,      FORBIDDEN),
    row("/admin/auth/user/",                      STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, FORBIDDEN,   FORBIDDEN,   FORBIDDEN),
]

# ============================================================================================================
# FORM_POSTS: state-changing forms. Each form is set up afresh for the role (see FORMS below); a denied
# role gets the denial and the database is exactly as before. DONE: the row's effect is in the database.
# ============================================================================================================
FORM_POSTS = [
    #   form                                      anonymous    customer_a   customer_b   agent        supervisor   ops
    row("ops: label A's message",                 STAFF_LOGIN, STAFF_ONLY,  STAFF_ONLY,  STAFF_ONLY,  DONE,        DONE),
    # Refunds stay with people: a refund request handed to a person is taught as routine by a supervisor only.
    row("ops: label A's refund request as routine", STAFF_LOGIN, STAFF_ONLY, STAFF_ONLY, STAFF_ONLY, DONE,       FORBIDDEN),
    # A refund is decided by the agent holding the claim on its conversation's handoff, or by a supervisor.
    row("admin: approve A's refund",              STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, DONE,        DONE,        UNCHANGED),
    row("admin: reject A's refund",               STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, DONE,        DONE,        UNCHANGED),
    row("admin: approve A's refund, not their claim", STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, UNCHANGED, DONE,      UNCHANGED),
    row("admin: reject A's refund, not their claim", STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, UNCHANGED,  DONE,      UNCHANGED),
    row("admin: second approval, large refund",   STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, UNCHANGED,   DONE,        UNCHANGED),
    row("admin: add a canned response",           STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, FORBIDDEN,   DONE,        FORBIDDEN),
    row("admin: edit A's order",                  STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, FORBIDDEN,   FORBIDDEN,   FORBIDDEN),
    row("admin: edit A's refund request",         STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, FORBIDDEN,   FORBIDDEN,   FORBIDDEN),
    # The working language the console translates into (#16): each agent sets their own; the read-only console
    # has no translations. Nobody but a superuser changes a colleague's (the form names no user).
    row("console: set own working language",      STAFF_LOGIN, STAFF_ONLY,  STAFF_ONLY,  DONE,        DONE,        FORBIDDEN),
    row("admin: set a colleague's working language", STAFF_LOGIN, STAFF_LOGIN, STAFF_LOGIN, FORBIDDEN, FORBIDDEN,   FORBIDDEN),
    row("account: change own password",           LOGIN,       DONE,        DONE,        DONE,        DONE,        DONE),
    row("account: change own details",            LOGIN,       DONE,        DONE,        DONE,        DONE,        DONE),
    row("account: sign up",                       DONE,        UNCHANGED,   UNCHANGED,   UNCHANGED,   UNCHANGED,   UNCHANGED),
    row("addresses: add own address",             LOGIN,       DONE,        DONE,        DONE,        DONE,        DONE),
    row("addresses: edit A's address",            LOGIN,       DONE,        NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND),
    row("addresses: delete A's address",          LOGIN,       DONE,        NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND),
    row("conversations: email A's transcript",    LOGIN,       DONE,        NOT_FOUND,   NOT_FOUND,   NOT_FOUND,   NOT_FOUND),
]

# CSRF: each form, posted by a role allowed to use it, without a token -> 403 and nothing happens;
# the same post with the token goes through (so the 403 was the missing token, not the role).
CSRF_FORMS = [
    ("ops: label A's message", OPS),
    ("admin: approve A's refund", AGENT),
    ("admin: reject A's refund", SUPERVISOR),
    ("admin: add a canned response", SUPERVISOR),
    ("console: set own working language", AGENT),
    ("account: change own password", CUSTOMER_A),
    ("account: sign in", ANONYMOUS),
    ("account: sign out", CUSTOMER_A),
    ("account: password reset email", ANONYMOUS),
    ("account: change own details", CUSTOMER_A),
    ("account: sign up", ANONYMOUS),
    ("addresses: add own address", CUSTOMER_A),
    ("addresses: edit A's address", CUSTOMER_A),
    ("addresses: delete A's address", CUSTOMER_A),
    ("conversations: email A's transcript", CUSTOMER_A),
]

# ============================================================================================================
# SOCKET_CONNECT: opening the sockets. "PATH, Origin: X" / "PATH, no Origin" change the Origin header
# (every other row sends the site's own origin). Every route in support/routing.py needs a row.
# ============================================================================================================
SOCKET_CONNECT = [
    #   socket                                            anonymous  customer_a customer_b agent      supervisor ops
    row("/ws/chat/",                                      JOINS_OWN, JOINS_A,   JOINS_OWN, JOINS_OWN, JOINS_OWN, JOINS_OWN),
    row("/ws/chat/?conversation={conversation_a}",        REFUSED,   JOINS_A,   REFUSED,   REFUSED,   REFUSED,   REFUSED),
    row("/ws/chat/?conversation={visitor_conversation}",  REFUSED,   REFUSED,   REFUSED,   REFUSED,   REFUSED,   REFUSED),
    row("/ws/chat/?conversation={unknown_uuid}",          REFUSED,   REFUSED,   REFUSED,   REFUSED,   REFUSED,   REFUSED),
    row("/ws/chat/?conversation=not-a-uuid",              REFUSED,   REFUSED,   REFUSED,   REFUSED,   REFUSED,   REFUSED),
    row("/ws/chat/, Origin: https://evil.example",        OTHER_ORIGIN, OTHER_ORIGIN, OTHER_ORIGIN, OTHER_ORIGIN, OTHER_ORIGIN,
        OTHER_ORIGIN),
    # The same host on another port or scheme is another origin (the site is http://127.0.0.1:8000).
    row("/ws/chat/, Origin: http://127.0.0.1:9999",       OTHER_ORIGIN, OTHER_ORIGIN, OTHER_ORIGIN, OTHER_ORIGIN, OTHER_ORIGIN,
        OTHER_ORIGIN),
    row("/ws/chat/, Origin: https://127.0.0.1",           OTHER_ORIGIN, OTHER_ORIGIN, OTHER_ORIGIN, OTHER_ORIGIN, OTHER_ORIGIN,
        OTHER_ORIGIN),
    row("/ws/chat/, Origin: https://127.0.0.1:8000",      OTHER_ORIGIN, OTHER_ORIGIN, OTHER_ORIGIN, OTHER_ORIGIN, OTHER_ORIGIN,
        OTHER_ORIGIN),
    row("/ws/chat/, no Origin",                           OTHER_ORIGIN, OTHER_ORIGIN, OTHER_ORIGIN, OTHER_ORIGIN, OTHER_ORIGIN,
        OTHER_ORIGIN),
    row("/ws/console/",                                   REFUSED,   REFUSED,   REFUSED,   QUEUE,     QUEUE,     QUEUE),
    row("/ws/console/, Origin: https://evil.example",     OTHER_ORIGIN, OTHER_ORIGIN, OTHER_ORIGIN, OTHER_ORIGIN, OTHER_ORIGIN,
        OTHER_ORIGIN),
    row("/ws/console/, Origin: http://127.0.0.1:9999",    OTHER_ORIGIN, OTHER_ORIGIN, OTHER_ORIGIN, OTHER_ORIGIN, OTHER_ORIGIN,
        OTHER_ORIGIN),
    row("/ws/console/, no Origin",                        OTHER_ORIGIN, OTHER_ORIGIN, OTHER_ORIGIN, OTHER_ORIGIN, OTHER_ORIGIN,
        OTHER_ORIGIN),
]

# ============================================================================================================
# CHAT_EVENTS: each role on the chat socket it gets from plain /ws/chat/ (Alice: her conversation; everyone
# else: their own). "own conversation" is checked: only Alice's socket ever writes to Alice's conversation.
# ============================================================================================================
CHAT_EVENTS = [
    #   event                                          anonymous  customer_a customer_b agent      supervisor ops
    row("ping",                                        DONE,      DONE,      DONE,      DONE,      DONE,      DONE),
    row("typing",                                      DONE,      DONE,      DONE,      DONE,      DONE,      DONE),
    row("customer.message: saved in own conversation", DONE,     DONE,      DONE,      DONE,      DONE,      DONE),
    row("feedback: rate own conversation",             DONE,      DONE,      DONE,      DONE,      DONE,      DONE),
    row("feedback: rate a reply in own conversation",  DONE,      DONE,      DONE,      DONE,      DONE,      DONE),
    row("feedback: rate a reply in A's conversation",  DENIED,    DONE,      DENIED,    DENIED,    DENIED,    DENIED),
    # The customer looked at the open chat: the team's replies in their own conversation are read (#15 item 11).
    row("seen: own conversation",                      DONE,      DONE,      DONE,      DONE,      DONE,      DONE),
    # Seen through a named reply (a page back online): DONE is Alice's conversation read for Alice, and for anyone
    # else naming her reply, nothing read anywhere (no error: it names nothing of theirs).
    row("seen: through a reply in A's conversation",   DONE,      DONE,      DONE,      DONE,      DONE,      DONE),
    # The widget's report on its on-device assistant (#19), kept for ops on the socket's own conversation only.
    row("device.status: own conversation",             DONE,      DONE,      DONE,      DONE,      DONE,      DONE),
]

# ============================================================================================================
# CONSOLE_EVENTS: the staff console socket. Customers and visitors cannot connect (REFUSED). Each row runs on
# fresh objects; "colleague" is a second support agent, Kim. Limit: REFUND_SUPERVISOR_LIMIT_EUR (200).
# ============================================================================================================
CONSOLE_EVENTS = [
    #   event: situation                                       anon     cust_a   cust_b   agent     supervisor ops
    row("conversation.open: A's conversation",                 REFUSED, REFUSED, REFUSED, DONE,     DONE,     DONE),
    # The queue again (a shown waiting handoff was taken and more wait than were sent): every role of the console.
    row("queue.refresh: the queue",                            REFUSED, REFUSED, REFUSED, DONE,     DONE,     DONE),
    row("typing: in A's conversation",                         REFUSED, REFUSED, REFUSED, DONE,     DONE,     DENIED),
    row("note.add: on A's conversation",                       REFUSED, REFUSED, REFUSED, DONE,     DONE,     DENIED),
    # Translations (an LLM call, shown only to the agent who asked): staff who work handoffs, not read-only ops.
    row("message.translate: A's message",                      REFUSED, REFUSED, REFUSED, ALLOWED,  ALLOWED,  DENIED),
    row("draft.translate: into A's language",                  REFUSED, REFUSED, REFUSED, ALLOWED,  ALLOWED,  DENIED),
    row("handoff.claim: a queued handoff",                     REFUSED, REFUSED, REFUSED, DONE,     DONE,     DENIED),
    row("handoff.claim: colleague's claimed handoff",          REFUSED, REFUSED, REFUSED, DENIED,   DENIED,   DENIED),
    row("agent.message: own claimed handoff",                  REFUSED, REFUSED, REFUSED, DONE,     DONE,     DENIED),
    # Supervisors may step into any claimed conversation (answer, transfer, resolve); agents only their own.
    row("agent.message: colleague's claimed handoff",          REFUSED, REFUSED, REFUSED, DENIED,   DONE,     DENIED),
    row("agent.message: unclaimed (queued) handoff",           REFUSED, REFUSED, REFUSED, DENIED,   DENIED,   DENIED),
    row("handoff.transfer: own claim to colleague",            REFUSED, REFUSED, REFUSED, DONE,     DONE,     DENIED),
    row("handoff.transfer: colleague's claim to self",         REFUSED, REFUSED, REFUSED, DENIED,   DONE,     DENIED),
    # A target who cannot take handoffs gets the answer an id nobody has gets: no name is told.
    row("handoff.transfer: own claim to an ops user",          REFUSED, REFUSED, REFUSED, INVALID,  INVALID,  DENIED),
    row("handoff.transfer: own claim to a customer",           REFUSED, REFUSED, REFUSED, INVALID,  INVALID,  DENIED),
    row("handoff.transfer: unclaimed (queued) handoff",        REFUSED, REFUSED, REFUSED, DENIED,   DENIED,   DENIED),
    row("handoff.resolve: own claimed handoff",                REFUSED, REFUSED, REFUSED, DONE,     DONE,     DENIED),
    row("handoff.resolve: colleague's claimed handoff",        REFUSED, REFUSED, REFUSED, DENIED,   DONE,     DENIED),
    row("handoff.resolve: unclaimed (queued) handoff",         REFUSED, REFUSED, REFUSED, DENIED,   DONE,     DENIED),
    # Refunds are decided by whoever holds the claim on the conversation's handoff, or by a supervisor.
    # Rows that name no claim: the actor holds it.
    row("refund.approve: up to the limit",                     REFUSED, REFUSED, REFUSED, DONE,     DONE,     DENIED),
    row("refund.approve: unclaimed (queued) handoff",          REFUSED, REFUSED, REFUSED, DENIED,   DONE,     DENIED),
    row("refund.approve: colleague's claimed handoff",         REFUSED, REFUSED, REFUSED, DENIED,   DONE,     DENIED),
    row("refund.reject: colleague's claimed handoff",          REFUSED, REFUSED, REFUSED, DENIED,   DONE,     DENIED),
    row("refund.approve: over the limit, first approval",      REFUSED, REFUSED, REFUSED, DONE,     DONE,     DENIED),
    row("refund.approve: over the limit, second approval",     REFUSED, REFUSED, REFUSED, DENIED,   DONE,     DENIED),
    row("refund.approve: second approval by the first approver", REFUSED, REFUSED, REFUSED, DENIED, DENIED,   DENIED),
    row("refund.reject: with a note",                          REFUSED, REFUSED, REFUSED, DONE,     DONE,     DENIED),
    # Policy as built: any refund decider may reject, also while a supervisor's second approval is pending.
    row("refund.reject: over the limit, awaiting second",      REFUSED, REFUSED, REFUSED, DONE,     DONE,     DENIED),
    # How many of an item a refund asks for ("1 of 2 x lamp"): the same hands as its decision.
    row("refund.quantity: own claimed handoff",                REFUSED, REFUSED, REFUSED, DONE,     DONE,     DENIED),
    row("refund.quantity: colleague's claimed handoff",        REFUSED, REFUSED, REFUSED, DENIED,   DONE,     DENIED),
    # A refund agreed in the chat, filed by staff (the orders it may be for, then the request): the same hands as
    # its decision, for the conversation's customer's own orders only.
    row("refund.orders: own claimed handoff",                  REFUSED, REFUSED, REFUSED, DONE,     DONE,     DENIED),
    row("refund.orders: colleague's claimed handoff",          REFUSED, REFUSED, REFUSED, DENIED,   DONE,     DENIED),
    row("refund.file: A's order, own claimed handoff",         REFUSED, REFUSED, REFUSED, DONE,     DONE,     DENIED),
    row("refund.file: A's order, colleague's claimed handoff", REFUSED, REFUSED, REFUSED, DENIED,   DONE,     DENIED),
    row("refund.file: B's order in A's conversation",          REFUSED, REFUSED, REFUSED, INVALID,  INVALID,  DENIED),
]

# ============================================================================================================
# ASSISTANT: what the chat assistant answers about Alice's order, asked in each role's own conversation
# (support.services.order_help, called directly: no local models needed).
# ============================================================================================================
ASSISTANT = [
    #   question                                       anonymous  customer_a customer_b agent      supervisor ops
    row("track_order: where is order {order_a}?",      NO_A,      SEES_A,    NO_A,      NO_A,      NO_A,      NO_A),
    row("get_invoice: invoice of order {order_a}",     NO_A,      SEES_A,    NO_A,      NO_A,      NO_A,      NO_A),
    row("track_refund: my refund for order {order_a}", NO_A,      SEES_A,    NO_A,      NO_A,      NO_A,      NO_A),
    # The LLM's order_lookup tool (support/llm/tools.py): what an escalated message can make the model fetch.
    row("order_lookup tool: {order_a}",                NO_A,      SEES_A,    NO_A,      NO_A,      NO_A,      NO_A),
    # Number plus email proves only a guest order (#13). Alice's order is on her account: only she, signed in,
    # sees it; to everyone else her right email reads exactly like a wrong one.
    row("proof: {order_a} wrong@example.test",         NO_A,      NO_A,      NO_A,      NO_A,      NO_A,      NO_A),
    row("proof: {order_a} alice@example.test",         NO_A,      SEES_A,    NO_A,      NO_A,      NO_A,      NO_A),
]


# ============================================================================================================
# The world: Alice's objects, Bob, and the staff.
# ============================================================================================================
@dataclass
class World:
    users: dict[str, User | None]
    kim: User  # a second support agent, the "colleague"
    order_a: Order
    conversation_a: Conversation
    message_a: Message  # Alice's message that was handed to staff
    question_a: Message  # Alice's question that went to the strong model
    reply_a: Message  # the assistant's reply to it
    handoff_a: Handoff
    refund_a: RefundRequest
    visitor_conversation: Conversation  # an anonymous visitor's, in another browser session
    product: Product
    help_page: str
    address_a: Address  # Alice's saved address
    photo_a: Photo  # a photo Alice attached to her conversation

    @property
    def placeholders(self) -> dict[str, Any]:
        return {"order_a": self.order_a.number, "conversation_a": self.conversation_a.id,
                "message_a": self.message_a.id, "question_a": self.question_a.id, "visitor_conversation": self.visitor_conversation.id,
                "unknown_uuid": UNKNOWN_UUID, "product": self.product.slug, "help_page": self.help_page,
                "address_a": self.address_a.id, "photo_a": self.photo_a.id,
                "reply_link_a": reply_link_token(conversation_id=self.conversation_a.id),
                "reply_link_visitor": reply_link_token(conversation_id=self.visitor_conversation.id),
                "uid_a": urlsafe_base64_encode(force_bytes(self.users[CUSTOMER_A].pk))}  # type: ignore[union-attr]

    def fill(self, template: str) -> str:
        return template.format(**self.placeholders)


def _customer(username: str, first_name: str, address: str) -> User:
    user = User.objects.create_user(username, f"{username}@example.test", f"pw-{username}", first_name=first_name)
    Customer.objects.create(user=user, default_address=address, email_confirmed_at=timezone.now())
    return user


def _staff(username: str, group: str, first_name: str) -> User:
    user = User.objects.create_user(username, f"{username}@example-shoppe.test", f"pw-{username}",
                                    first_name=first_name, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return User.objects.get(pk=user.pk)  # fresh, without a stale permission cache


def _order(user: User, number: int, address: str, invoice: str, tracking: str, product: Product) -> Order:
    now = timezone.now()
    order = Order.objects.create(number=number, customer=user.customer, email=user.email, status="delivered",
                                 shipping_address=address, shipping_cost=Decimal("4.95"),
                                 placed_at=now - timedelta(days=5), delivered_at=now - timedelta(days=2))
    OrderItem.objects.create(order=order, product=product, quantity=1, unit_price=product.price)
    Invoice.objects.create(order=order, number=invoice)
    Shipment.objects.create(order=order, carrier="PostNL", tracking_number=tracking, shipped_at=now - timedelta(days=4))
    return order


def world_build() -> World:
    from rag.documents import document_list

    alice = _customer("alice", "Alice", "Prinsengracht 263\n1016 GV Amsterdam")
    bob = _customer("bob", "Bob", "Meir 50\n2000 Antwerpen")
    lamp = Product.objects.create(slug="blue-ceramic-table-lamp", name="Blue ceramic table lamp", category="Lamps",
                                  description="A lamp.", price=Decimal("64.00"), stock=5)
    order_a = _order(alice, ORDER_A, "Prinsengracht 263\n1016 GV Amsterdam", "INV-A-77001", "PRIVATE-A-TRACK", lamp)
    # and twenty sofas: the refunds the cases approve (up to EUR 899 each) never come to more than she paid
    sofa = Product.objects.create(slug="linen-two-seat-sofa", name="Linen two-seat sofa", category="Sofas",
                                  description="A sofa.", price=Decimal("899.00"), stock=5)
    OrderItem.objects.create(order=order_a, product=sofa, quantity=20, unit_price=sofa.price)
    _order(bob, ORDER_B, "Meir 50\n2000 Antwerpen", "INV-B-77002", "BOB-TRACK", lamp)

    conversation = Conversation.objects.create(customer=alice, status=Conversation.Status.WAITING)
    message = Message.objects.create(conversation=conversation, author="customer", status="answered",
                                     text="PRIVATE-A: my lamp arrived broken, I want my money back",
                                     client_id=uuid.uuid4(), route="human", intent="get_refund")
    reply = Message.objects.create(conversation=conversation, author="bot", status="complete", in_reply_to=message,
                                   text="PRIVATE-A: I'm passing your request to our team.", route="human")
    asked = Message.objects.create(conversation=conversation, author="customer", status="answered",
                                   text="PRIVATE-A: does the lamp work with a dimmer?", route="llm",
                                   intent="product_question")
    EscalationLog.objects.create(conversation=conversation, message=asked, model="gemini-2.5-flash",
                                 outcome="answered", cost_eur=Decimal("0.001"), input_tokens=900, output_tokens=100)
    handoff = Handoff.objects.create(conversation=conversation, message=message, reason="refund", intent="get_refund",
                                     order=order_a, summary="PRIVATE-A: lamp arrived broken")
    refund = _refund(conversation, order_a, "64.00")
    photo = Photo(conversation=conversation, content_type="image/png", width=1, height=1, size_bytes=len(PNG_1PX),
                  message=Message.objects.create(conversation=conversation, author="customer", status="answered",
                                                 text="", client_id=uuid.uuid4()))
    photo.image.save("photo", ContentFile(PNG_1PX), save=False)
    photo.save()
    visitor = Conversation.objects.create()
    Message.objects.create(conversation=visitor, author="customer", status="received", text="a visitor's question")
    return World(
        users={ANONYMOUS: None, CUSTOMER_A: alice, CUSTOMER_B: bob,
               AGENT: _staff("sam", AGENT_GROUP, "Sam"), SUPERVISOR: _staff("sofia", SUPERVISOR_GROUP, "Sofia"),
               OPS: _staff("olivia", OPS_GROUP, "Olivia")},
        kim=_staff("kim", AGENT_GROUP, "Kim"), order_a=order_a, conversation_a=conversation, message_a=message,
        question_a=asked,
        reply_a=reply, handoff_a=handoff, refund_a=refund, visitor_conversation=visitor, product=lamp,
        help_page=document_list()[0].slug,
        address_a=Address.objects.create(customer=alice.customer, recipient="Alice", street="Prinsengracht 263",
                                         postcode="1016 GV", city="Amsterdam", is_default=True),
        photo_a=photo,
    )


def _refund(conversation: Conversation, order: Order, amount: str, *, first_approval_by: User | None = None
            ) -> RefundRequest:
    refund = RefundRequest.objects.create(conversation=conversation, order=order, amount=Decimal(amount),
                                          reason="PRIVATE-A: arrived broken", items=[{"product": "lamp"}])
    if first_approval_by is not None:
        RefundDecision.objects.create(refund_request=refund, decided_by=first_approval_by, amount=refund.amount,
                                      verdict=RefundDecision.Verdict.APPROVE)
        refund.status = RefundRequest.Status.AWAITING_SECOND
        refund.save(update_fields=["status"])
    return refund


@pytest.fixture
def world(db, settings, tmp_path) -> World:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.METRICS_TOKEN = ""
    settings.SUPPORT_HOURS = ALWAYS_OPEN
    settings.REFUND_SUPERVISOR_LIMIT_EUR = 200.0
    # Per-address rate limits are not under test here (every test socket comes from the same address).
    settings.CHAT_CONNECTIONS_PER_MINUTE_PER_ADDRESS = 0
    settings.CHAT_MESSAGES_PER_MINUTE_PER_ADDRESS = 0
    return world_build()


def db_state() -> dict[str, list[tuple]]:
    """Every row of the shop's, the support team's and the admin's tables (sessions and last_login excepted)."""
    models = [*apps.get_app_config("shoppe").get_models(), *apps.get_app_config("support").get_models(),
              *apps.get_app_config("rag").get_models(), LogEntry, Group, User.groups.through]
    state = {model._meta.label: list(model.objects.order_by("pk").values_list()) for model in models}
    state["auth.User"] = list(User.objects.order_by("pk").values_list(
        "pk", "username", "password", "email", "is_staff", "is_superuser", "is_active"))
    return state


def db_changes(before: dict[str, list[tuple]]) -> list[str]:
    after = db_state()
    return [label for label in before if before[label] != after[label]]


def client_for(w: World, role: str, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    if w.users[role] is not None:
        client.force_login(w.users[role])  # type: ignore[arg-type]
    return client


def body_of(response: HttpResponse) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")  # type: ignore[attr-defined]
    return response.content.decode(errors="replace")


def http_mismatch(response: HttpResponse, expected: Outcome) -> str | None:
    """Why the response is not the expected cell, or None."""
    body = body_of(response)
    got = f"got {response.status_code} {response.get('Location', '')}".strip()
    if response.status_code not in expected.status:
        return f"expected {expected!r}, {got}"
    if expected.location and not response["Location"].startswith(expected.location):
        return f"expected a redirect to {expected.location}..., {got}"
    if expected is PHOTO_A:
        return None if response["Content-Type"].startswith("image/") else f"expected Alice's photo, got {response['Content-Type']}"
    leaked = A_DATA.search(body)
    if expected is SEES_A and not leaked:
        return "expected Alice's data on the page, found none"
    if expected is not SEES_A and leaked and expected not in (DONE, UNCHANGED):
        return f"LEAK: the response shows Alice's data ({leaked.group(0)!r}) to a role that must not see it"
    return None


def _params(table: list[tuple[str, dict[str, Outcome]]]) -> list[Any]:
    return [pytest.param(label, role, cells[role], id=f"{label} | {role}") for label, cells in table for role in ROLES]


# ============================================================================================================
# Completeness: the matrix must cover every page, socket and socket event.
# ============================================================================================================
def _join(route1: str, route2: str) -> str:
    return route1 + route2.removeprefix("^") if route1 else route2  # as Django's URLResolver joins routes


def url_routes(patterns: list[Any] | None = None, prefix: str = "") -> set[str]:
    """Every route of the site, as ResolverMatch.route spells it; the whole admin counts as "admin/"."""
    routes: set[str] = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = _join(prefix, str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                routes.add("admin/")
            else:
                routes |= url_routes(pattern.url_patterns, route)
        else:
            assert isinstance(pattern, URLPattern)
            routes.add(route)
    return routes


def route_of(path: str) -> str:
    path = path.split(" ")[0].split("?")[0]
    route = resolve(path).route
    return "admin/" if route.startswith("admin/") else route


def test_every_url_pattern_has_a_row() -> None:
    placeholders = {"order_a": ORDER_A, "conversation_a": UNKNOWN_UUID, "message_a": 1, "product": "lamp",
                    "address_a": 1, "photo_a": UNKNOWN_UUID, "reply_link_a": "x", "reply_link_visitor": "x",
                    "help_page": "invoices", "uid_a": "MQ"}
    covered = {route_of(label.format(**placeholders)) for label, _ in PAGES}
    missing = sorted(url_routes() - covered)
    assert not missing, "\n".join(f"page {route!r} has no expected access row in PAGES" for route in missing)


def test_every_socket_route_and_event_has_a_row() -> None:
    from support.console import ConsoleConsumer
    from support.consumers import ChatConsumer
    from support.routing import websocket_urlpatterns

    problems = []
    connect_paths = {label.split(",")[0].split("?")[0] for label, _ in SOCKET_CONNECT}
    for pattern in websocket_urlpatterns:
        if "/" + str(pattern.pattern) not in connect_paths:
            problems.append(f"socket /{pattern.pattern} has no row in SOCKET_CONNECT")
    for consumer, table in ((ChatConsumer, CHAT_EVENTS), (ConsoleConsumer, CONSOLE_EVENTS)):
        events = {label.split(":")[0] for label, _ in table}
        for name in dir(consumer):
            if name.startswith("on_") and name.removeprefix("on_").replace("_", ".") not in events:
                problems.append(f"{consumer.__name__} handles {name.removeprefix('on_').replace('_', '.')!r} "
                                f"but has no row in {'CHAT_EVENTS' if consumer is ChatConsumer else 'CONSOLE_EVENTS'}")
    assert not problems, "\n".join(problems)


def test_every_form_and_scenario_in_a_table_exists() -> None:
    assert {label for label, _ in FORM_POSTS} | {label for label, _ in CSRF_FORMS} <= set(FORMS)
    assert {label for label, _ in CONSOLE_EVENTS} == set(CONSOLE_SCENARIOS)
    assert {label for label, _ in CHAT_EVENTS} == set(CHAT_SCENARIOS)


# ============================================================================================================
# Pages
# ============================================================================================================
@pytest.mark.parametrize(("label", "role", "expected"), _params(PAGES))
def test_page(world: World, settings, request, label: str, role: str,  # type: ignore[no-untyped-def]
              expected: Outcome) -> None:
    if "(METRICS_TOKEN set)" in label:
        settings.METRICS_TOKEN = "s3cret-metrics-token"
    if label.startswith("/assistant/device/manifest"):  # served once the run's device assistant is built
        request.getfixturevalue("local_models")
    client = client_for(world, role)
    before = db_state()
    response = client.get(world.fill(label.split(" ")[0]))
    problem = http_mismatch(response, expected)
    assert problem is None, f"GET {label} as {role}: {problem}"
    assert not db_changes(before), f"GET {label} as {role} changed the database: {db_changes(before)}"


def test_metrics_with_the_token_is_readable_without_a_session(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token").status_code == 200
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


@pytest.mark.parametrize("label", [label for label, _ in PAGES])
def test_a_post_to_a_page_is_denied_like_its_get(world: World, settings, label: str) -> None:  # type: ignore[no-untyped-def]
    """No view may do on POST what it refuses on GET: the same denial, and nothing changes."""
    if "(METRICS_TOKEN set)" in label:
        settings.METRICS_TOKEN = "s3cret-metrics-token"
    cells = dict(PAGES)[label]
    problems = []
    for role in ROLES:
        if cells[role] not in DENIALS:
            continue
        client = client_for(world, role)
        before = db_state()
        response = client.post(world.fill(label.split(" ")[0]), {"intent": "track_order", "title": "x", "text": "x"})
        problem = http_mismatch(response, cells[role])
        if problem or db_changes(before):
            problems.append(f"POST {label} as {role}: {problem or ''} changed: {db_changes(before)}")
    assert not problems, "\n".join(problems)


# ============================================================================================================
# Forms (POST)
# ============================================================================================================
@dataclass
class Submission:
    path: str
    data: dict[str, Any]
    done: Callable[[Client], bool]  # the form's effect is there


def _password_of(user: User | None) -> str:
    return f"pw-{user.username}" if user else ""


def label_a_message(w: World, actor: User | None) -> Submission:
    return Submission(f"/ops/messages/{w.question_a.id}/label/", {"intent": "track_order", "route": ""},
                      lambda client: RouteLabel.objects.filter(message=w.question_a, intent="track_order").exists())


def label_a_refund_request_as_routine(w: World, actor: User | None) -> Submission:
    return Submission(f"/ops/messages/{w.message_a.id}/label/", {"intent": "track_order", "route": ""},
                      lambda client: RouteLabel.objects.filter(message=w.message_a, intent="track_order").exists())


def _admin_action(refund: RefundRequest, action: str, **extra: str) -> dict[str, Any]:
    return {"action": action, "_selected_action": [refund.pk], "index": "0", "select_across": "0", **extra}


def _claim_a(w: World, by: User | None) -> None:
    """Alice's handoff, claimed by `by` (staff only: a customer cannot hold a claim)."""
    if by is not None and by.is_staff:
        Handoff.objects.filter(pk=w.handoff_a.pk).update(status="claimed", claimed_by=by, claimed_at=timezone.now())


def approve_a_refund(w: World, actor: User | None, *, claimer: User | None = None) -> Submission:
    _claim_a(w, claimer or actor)
    return Submission("/admin/support/refundrequest/", _admin_action(w.refund_a, "approve_selected"),
                      lambda client: RefundRequest.objects.get(pk=w.refund_a.pk).status == "approved")


def reject_a_refund(w: World, actor: User | None, *, claimer: User | None = None) -> Submission:
    _claim_a(w, claimer or actor)
    return Submission("/admin/support/refundrequest/",
                      _admin_action(w.refund_a, "reject_selected", apply="1", note="Not covered, sorry."),
                      lambda client: RefundRequest.objects.get(pk=w.refund_a.pk).status == "rejected")


def second_approval_large_refund(w: World, actor: User | None) -> Submission:
    refund = _refund(w.conversation_a, w.order_a, "899.00", first_approval_by=w.kim)
    return Submission("/admin/support/refundrequest/", _admin_action(refund, "approve_selected"),
                      lambda client: RefundRequest.objects.get(pk=refund.pk).status == "approved")


def add_canned_response(w: World, actor: User | None) -> Submission:
    return Submission("/admin/support/cannedresponse/add/", {"title": "Sorry", "text": "We are sorry.", "language": "en", "active": "on"},
                      lambda client: CannedResponse.objects.filter(title="Sorry").exists())


def edit_a_order(w: World, actor: User | None) -> Submission:
    return Submission(f"/admin/shoppe/order/{w.order_a.pk}/change/",
                      {"number": ORDER_A, "status": "cancelled", "shipping_address": "Elsewhere 1"},
                      lambda client: Order.objects.get(pk=w.order_a.pk).status == "cancelled")


def edit_a_refund_request(w: World, actor: User | None) -> Submission:
    return Submission(f"/admin/support/refundrequest/{w.refund_a.pk}/change/", {"reason": "changed", "status": "approved"},
                      lambda client: RefundRequest.objects.get(pk=w.refund_a.pk).reason == "changed")


def set_own_working_language(w: World, actor: User | None) -> Submission:
    return Submission("/console/language/", {"language": "nl"},
                      lambda client: actor is not None
                      and AgentSettings.objects.filter(agent=actor, language="nl").exists())


def set_a_colleagues_working_language(w: World, actor: User | None) -> Submission:
    AgentSettings.objects.create(agent=w.kim, language="de")
    return Submission(f"/admin/support/agentsettings/{w.kim.pk}/change/", {"agent": w.kim.pk, "language": "nl"},
                      lambda client: AgentSettings.objects.get(agent=w.kim).language == "nl")


def change_own_password(w: World, actor: User | None) -> Submission:
    new = "A-much-longer-passphrase-42"
    return Submission("/account/password_change/",
                      {"old_password": _password_of(actor), "new_password1": new, "new_password2": new},
                      lambda client: actor is not None and User.objects.get(pk=actor.pk).check_password(new))


def sign_in(w: World, actor: User | None) -> Submission:
    alice = w.users[CUSTOMER_A]
    return Submission("/account/login/", {"username": "alice", "password": "pw-alice"},
                      lambda client: client.session.get("_auth_user_id") == str(alice.pk))  # type: ignore[union-attr]


def sign_out(w: World, actor: User | None) -> Submission:
    return Submission("/account/logout/", {}, lambda client: "_auth_user_id" not in client.session)


def password_reset_email(w: World, actor: User | None) -> Submission:
    return Submission("/account/password_reset/", {"email": "alice@example.test"}, lambda client: len(mail.outbox) == 1)


def change_own_details(w: World, actor: User | None) -> Submission:
    return Submission("/account/", {"first_name": "Renamed", "last_name": "", "email": actor.email if actor else "x@y.z"},
                      lambda client: actor is not None and User.objects.get(pk=actor.pk).first_name == "Renamed")


def sign_up(w: World, actor: User | None) -> Submission:
    password = "A-much-longer-passphrase-42"
    return Submission("/account/signup/", {"username": "newcomer", "email": "newcomer@example.test",
                                           "first_name": "Nia", "password1": password, "password2": password},
                      lambda client: User.objects.filter(username="newcomer", customer__isnull=False).exists())


_STREET = {"recipient": "Someone", "postcode": "1011 AB", "city": "Amsterdam", "country": "Netherlands"}


def add_own_address(w: World, actor: User | None) -> Submission:
    return Submission("/account/addresses/new/", {**_STREET, "street": "Damrak 1"},
                      lambda client: actor is not None and Address.objects.filter(customer__user=actor,
                                                                                  street="Damrak 1").exists())


def edit_a_address(w: World, actor: User | None) -> Submission:
    return Submission(f"/account/addresses/{w.address_a.id}/edit/", {**_STREET, "street": "Elsewhere 9"},
                      lambda client: Address.objects.get(pk=w.address_a.pk).street == "Elsewhere 9")


def delete_a_address(w: World, actor: User | None) -> Submission:
    return Submission(f"/account/addresses/{w.address_a.id}/delete/", {},
                      lambda client: not Address.objects.filter(pk=w.address_a.pk).exists())


def email_a_transcript(w: World, actor: User | None) -> Submission:
    return Submission(f"/account/conversations/{w.conversation_a.id}/email/", {},
                      lambda client: [m.to for m in mail.outbox] == [["alice@example.test"]]
                      and "PRIVATE-A" in mail.outbox[0].body)


FORMS: dict[str, Callable[[World, User | None], Submission]] = {
    "ops: label A's message": label_a_message,
    "ops: label A's refund request as routine": label_a_refund_request_as_routine,
    "admin: approve A's refund": approve_a_refund,
    "admin: reject A's refund": reject_a_refund,
    "admin: approve A's refund, not their claim": lambda w, actor: approve_a_refund(w, actor, claimer=w.kim),
    "admin: reject A's refund, not their claim": lambda w, actor: reject_a_refund(w, actor, claimer=w.kim),
    "admin: second approval, large refund": second_approval_large_refund,
    "admin: add a canned response": add_canned_response,
    "admin: edit A's order": edit_a_order,
    "admin: edit A's refund request": edit_a_refund_request,
    "console: set own working language": set_own_working_language,
    "admin: set a colleague's working language": set_a_colleagues_working_language,
    "account: change own password": change_own_password,
    "account: sign in": sign_in,
    "account: sign out": sign_out,
    "account: password reset email": password_reset_email,
    "account: change own details": change_own_details,
    "account: sign up": sign_up,
    "addresses: add own address": add_own_address,
    "addresses: edit A's address": edit_a_address,
    "addresses: delete A's address": delete_a_address,
    "conversations: email A's transcript": email_a_transcript,
}


@pytest.mark.parametrize(("label", "role", "expected"), _params(FORM_POSTS))
def test_form_post(world: World, label: str, role: str, expected: Outcome) -> None:
    client = client_for(world, role)
    submission = FORMS[label](world, world.users[role])
    before = db_state()
    response = client.post(submission.path, submission.data)
    problem = http_mismatch(response, expected)
    assert problem is None, f"POST {label} as {role}: {problem}"
    if expected is DONE:
        assert submission.done(client), f"POST {label} as {role}: allowed, but it did not take effect"
    else:
        assert not db_changes(before), f"POST {label} as {role} ({expected!r}) changed {db_changes(before)}"


@pytest.mark.parametrize(("label", "role"), CSRF_FORMS, ids=[label for label, _ in CSRF_FORMS])
def test_form_refuses_a_post_without_csrf_token(world: World, label: str, role: str) -> None:
    client = client_for(world, role, enforce_csrf_checks=True)
    submission = FORMS[label](world, world.users[role])
    before = db_state()
    response = client.post(submission.path, submission.data)
    assert response.status_code == 403, f"POST {label} as {role} without a CSRF token: {response.status_code}"
    assert not db_changes(before) and not submission.done(client), f"{label}: the form took effect without a token"

    client.get("/account/password_reset/")  # a page with a form sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(submission.path, {**submission.data, "csrfmiddlewaretoken": token})
    assert response.status_code in (200, 302) and submission.done(client), (
        f"POST {label} as {role} with the token: {response.status_code}, did not take effect")


# ============================================================================================================
# Sockets
# ============================================================================================================
@pytest.fixture
def asgi_application(settings):  # type: ignore[no-untyped-def]
    """The real ASGI stack (origin check, session auth, routing); imported without warming the local models."""
    settings.RAG_WARM_UP = False
    from shoppe.asgi import application

    return application


@pytest.fixture
def no_assistant(monkeypatch):  # type: ignore[no-untyped-def]
    """The assistant's reply is not under test here: record the messages it would answer instead."""
    answered: list[int] = []
    monkeypatch.setattr("support.consumers.message_answer", lambda *, message_id: answered.append(message_id))
    return answered


async def ws_open(application: Any, w: World, role: str, label: str
                  ) -> tuple[WebsocketCommunicator, dict | None, str | None]:
    """Open the socket a SOCKET_CONNECT label describes, signed in as `role` (a fresh session).

    Returns the socket, its first event (the history or the queue) and, for a refused socket
    (no first event), how it was refused: "handshake" or the close code it was closed with.
    """
    path, _, header = label.partition(", ")
    origin: bytes | None = b"http://127.0.0.1:8000"
    if header == "no Origin":
        origin = None
    elif header.startswith("Origin: "):
        origin = header.removeprefix("Origin: ").encode()
    cookie = await database_sync_to_async(session_cookie_for)(w.users[role])
    headers = [(b"cookie", cookie.encode()), (b"host", b"127.0.0.1:8000")] + ([(b"origin", origin)] if origin else [])
    socket = WebsocketCommunicator(application, w.fill(path), headers=headers)
    accepted, _ = await socket.connect(timeout=10)
    if not accepted:
        return socket, None, "handshake"
    output = await socket.receive_output(timeout=10)
    if output["type"] == "websocket.close":
        return socket, None, f"close {output.get('code')}"
    return socket, json.loads(output["text"]), None


def _connect_mismatch(w: World, first: dict | None, refusal: str | None, expected: Outcome) -> str | None:
    if expected is REFUSED:
        return None if refusal == "close 4403" else f"expected it accepted and closed with 4403, got {refusal or first}"
    if expected is OTHER_ORIGIN:
        return None if refusal == "handshake" else f"expected the handshake refused, got {refusal or first}"
    if first is None:
        return f"expected {expected!r}, the socket was refused ({refusal})"
    shows_a = bool(A_DATA.search(json.dumps(first)))
    if expected is QUEUE:
        ok = first["type"] == "queue" and w.handoff_a.id in [h["id"] for h in first["handoffs"]]
        return None if ok else f"expected the queue with Alice's handoff, got {first}"
    if first["type"] != "history":
        return f"expected the history, got {first}"
    if expected is JOINS_A:
        ok = first["conversation_id"] == str(w.conversation_a.id) and shows_a
        return None if ok else f"expected Alice's conversation, got {first['conversation_id']}"
    if first["conversation_id"] in (str(w.conversation_a.id), str(w.visitor_conversation.id)) or shows_a:
        return f"LEAK: joined someone else's conversation {first['conversation_id']}: {first}"
    return None


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ROLES)
async def test_socket_connect(world: World, asgi_application: Any, role: str) -> None:
    problems = []
    for label, cells in SOCKET_CONNECT:
        socket, first, refusal = await ws_open(asgi_application, world, role, label)
        if problem := _connect_mismatch(world, first, refusal, cells[role]):
            problems.append(f"{label} as {role}: {problem}")
        if first is not None:
            await socket.disconnect()
    assert not problems, "\n".join(problems)


@dataclass
class Case:
    event: dict[str, Any]
    done: Callable[[list[dict]], bool]  # given the events the socket sent back, did it take effect?


async def exchange(socket: WebsocketCommunicator, event: dict[str, Any], barrier: dict[str, Any],
                   is_barrier: Callable[[dict], bool]) -> list[dict]:
    """Send `event`, then `barrier`; every event the socket sent up to the barrier's answer."""
    await socket.send_json_to(event)
    await socket.send_json_to(barrier)
    seen = []
    while not is_barrier(reply := await socket.receive_json_from(timeout=10)):
        seen.append(reply)
    return seen


def _errors(events: list[dict]) -> list[dict]:
    return [e for e in events if e.get("type") == "error"]


async def _check_event(label: str, role: str, expected: Outcome, case: Case, events: list[dict],
                       before: dict[str, list[tuple]]) -> str | None:
    errors = _errors(events)
    changed = await database_sync_to_async(db_changes)(before)
    if expected is DENIED:
        if not errors or errors[0]["code"] not in DENIAL_CODES:
            return f"expected DENIED, got {events}"
        return f"DENIED but the database changed: {changed}" if changed else None
    if expected is INVALID:
        if not errors or errors[0]["code"] != "invalid":
            return f"expected INVALID, got {events}"
        return f"INVALID but the database changed: {changed}" if changed else None
    if expected is ALLOWED:
        if errors and errors[0]["code"] in (*DENIAL_CODES, "invalid"):
            return f"expected ALLOWED, got {errors}"
        if not await database_sync_to_async(case.done)(events):
            return f"expected ALLOWED, the event was not answered (events: {events})"
        return f"ALLOWED but the database changed: {changed}" if changed else None
    if errors:
        return f"expected DONE, got {errors}"
    if not await database_sync_to_async(case.done)(events):
        return f"expected DONE, it did not take effect (events: {events})"
    return None


# --- chat events: scenarios (w, actor, the socket's own conversation id) -> Case ---------------------------
def chat_ping(w: World, actor: User | None, own: str) -> Case:
    return Case({"type": "ping"}, lambda events: any(e["type"] == "pong" for e in events))


def chat_typing(w: World, actor: User | None, own: str) -> Case:
    return Case({"type": "typing"}, lambda events: True)


def chat_message(w: World, actor: User | None, own: str) -> Case:
    text = f"hello from {actor.username if actor else 'a visitor'} {uuid.uuid4()}"
    is_alice = actor == w.users[CUSTOMER_A]

    def done(events: list[dict]) -> bool:
        saved = Message.objects.get(text=text)
        return str(saved.conversation_id) == own and (saved.conversation_id == w.conversation_a.id) == is_alice
    return Case({"type": "customer.message", "text": text, "client_id": str(uuid.uuid4())}, done)


def chat_rate_own_conversation(w: World, actor: User | None, own: str) -> Case:
    is_alice = actor == w.users[CUSTOMER_A]

    def done(events: list[dict]) -> bool:
        rated = Feedback.objects.get(kind="conversation", score=4)
        return str(rated.conversation_id) == own and (rated.conversation_id == w.conversation_a.id) == is_alice
    return Case({"type": "feedback", "conversation": True, "score": 4}, done)


def chat_rate_own_reply(w: World, actor: User | None, own: str) -> Case:
    asked = Message.objects.create(conversation_id=own, author="customer", status="answered", text="hi", route="local")
    reply = Message.objects.create(conversation_id=own, author="bot", status="complete", text="Hello!", in_reply_to=asked)
    return Case({"type": "feedback", "reply_id": reply.id, "score": 1},
                lambda events: Feedback.objects.filter(message=reply, score=1).exists())


def chat_rate_a_reply(w: World, actor: User | None, own: str) -> Case:
    return Case({"type": "feedback", "reply_id": w.reply_a.id, "score": -1, "comment": "meh"},
                lambda events: Feedback.objects.filter(message=w.reply_a, score=-1).exists())


def chat_seen(w: World, actor: User | None, own: str) -> Case:
    Conversation.objects.filter(id__in=[own, w.conversation_a.id]).update(customer_seen_at=None)
    is_alice = actor == w.users[CUSTOMER_A]

    def done(events: list[dict]) -> bool:
        seen = {str(i) for i in Conversation.objects.filter(customer_seen_at__isnull=False).values_list("id", flat=True)}
        return own in seen and (str(w.conversation_a.id) in seen) == is_alice
    return Case({"type": "seen"}, done)


def chat_seen_through_a_reply(w: World, actor: User | None, own: str) -> Case:
    Conversation.objects.filter(id__in=[own, w.conversation_a.id]).update(customer_seen_at=None)
    is_alice = actor == w.users[CUSTOMER_A]

    def done(events: list[dict]) -> bool:
        seen = {str(i) for i in Conversation.objects.filter(customer_seen_at__isnull=False).values_list("id", flat=True)}
        return seen == ({str(w.conversation_a.id)} if is_alice else set())
    return Case({"type": "seen", "through": w.reply_a.id}, done)


def chat_device_status(w: World, actor: User | None, own: str) -> Case:
    def done(events: list[dict]) -> bool:
        reported = list(DeviceStatus.objects.filter(reason="save-data").values_list("conversation_id", flat=True))
        return [str(c) for c in reported] == [own]
    return Case({"type": "device.status", "state": "fallback", "reason": "save-data", "version": "", "load_ms": 0}, done)


CHAT_SCENARIOS: dict[str, Callable[[World, User | None, str], Case]] = {
    "ping": chat_ping,
    "typing": chat_typing,
    "customer.message: saved in own conversation": chat_message,
    "feedback: rate own conversation": chat_rate_own_conversation,
    "feedback: rate a reply in own conversation": chat_rate_own_reply,
    "feedback: rate a reply in A's conversation": chat_rate_a_reply,
    "seen: own conversation": chat_seen,
    "seen: through a reply in A's conversation": chat_seen_through_a_reply,
    "device.status: own conversation": chat_device_status,
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ROLES)
async def test_chat_events(world: World, asgi_application: Any, no_assistant: list[int], role: str) -> None:
    socket, first, refusal = await ws_open(asgi_application, world, role, "/ws/chat/")
    assert first is not None, refusal
    own = first["conversation_id"]
    actor = world.users[role]
    problems = []
    for label, cells in CHAT_EVENTS:
        case = await database_sync_to_async(CHAT_SCENARIOS[label])(world, actor, own)
        before = await database_sync_to_async(db_state)()
        barrier = str(uuid.uuid4())  # an empty message: answered with an error carrying its client_id
        events = await exchange(socket, case.event, {"type": "customer.message", "text": "", "client_id": barrier},
                                lambda e, barrier=barrier: e.get("client_id") == barrier and e.get("code") == "empty_text")
        if problem := await _check_event(label, role, cells[role], case, events, before):
            problems.append(f"{label} as {role}: {problem}")
    await socket.disconnect()
    assert not problems, "\n".join(problems)


# --- console events: scenarios (w, actor) -> Case ------------------------------------------------------------
def _handoff(w: World, *, claimed_by: User | None = None) -> Handoff:
    conversation = Conversation.objects.create(
        customer=w.users[CUSTOMER_A], status=Conversation.Status.WITH_AGENT if claimed_by else Conversation.Status.WAITING)
    message = Message.objects.create(conversation=conversation, author="customer", status="answered", route="human",
                                     text="PRIVATE-A: a person please", intent="contact_human_agent")
    return Handoff.objects.create(conversation=conversation, message=message, reason="person",
                                  status="claimed" if claimed_by else "queued", claimed_by=claimed_by,
                                  claimed_at=timezone.now() if claimed_by else None)


def _claimed_by(handoff: Handoff, user: User) -> Callable[[list[dict]], bool]:
    return lambda events: Handoff.objects.filter(id=handoff.id, status="claimed", claimed_by=user).exists()


def _agent_wrote(handoff: Handoff, actor: User) -> Callable[[list[dict]], bool]:
    return lambda events: Message.objects.filter(conversation=handoff.conversation_id, author="agent",
                                                 agent=actor).exists()


def _refund_is(refund: RefundRequest, status: str) -> Callable[[list[dict]], bool]:
    return lambda events: RefundRequest.objects.get(pk=refund.pk).status == status


def console_open_a(w: World, actor: User) -> Case:
    return Case({"type": "conversation.open", "conversation_id": str(w.conversation_a.id)},
                lambda events: any(e["type"] == "conversation.detail" and "PRIVATE-A" in json.dumps(e) for e in events))


def console_queue_refresh(w: World, actor: User) -> Case:
    return Case({"type": "queue.refresh"}, lambda events: any(e["type"] == "queue" for e in events))


def console_typing(w: World, actor: User) -> Case:
    return Case({"type": "typing", "conversation_id": str(w.conversation_a.id)}, lambda events: True)


def console_note(w: World, actor: User) -> Case:
    return Case({"type": "note.add", "conversation_id": str(w.conversation_a.id), "text": "VIP"},
                lambda events: InternalNote.objects.filter(conversation=w.conversation_a, author=actor).exists())


def _translation_answered(kind: str) -> Callable[[list[dict]], bool]:
    return lambda events: any(e["type"] == kind or (e["type"] == "error" and e.get("code") == "translation_unavailable")
                              for e in events)


def console_translate_message(w: World, actor: User) -> Case:
    return Case({"type": "message.translate", "message_id": w.message_a.id}, _translation_answered("message.translated"))


def console_translate_draft(w: World, actor: User) -> Case:
    return Case({"type": "draft.translate", "conversation_id": str(w.conversation_a.id), "text": "We are on it."},
                _translation_answered("draft.translated"))


def console_claim(claimer: Callable[[World, User], User | None]) -> Callable[[World, User], Case]:
    def scenario(w: World, actor: User) -> Case:
        handoff = _handoff(w, claimed_by=claimer(w, actor))
        return Case({"type": "handoff.claim", "handoff_id": handoff.id}, _claimed_by(handoff, actor))
    return scenario


def console_reply(claimer: Callable[[World, User], User | None]) -> Callable[[World, User], Case]:
    def scenario(w: World, actor: User) -> Case:
        handoff = _handoff(w, claimed_by=claimer(w, actor))
        return Case({"type": "agent.message", "conversation_id": str(handoff.conversation_id), "text": "Hi, Sam here."},
                    _agent_wrote(handoff, actor))
    return scenario


def console_transfer(claimer: Callable[[World, User], User | None], to: Callable[[World, User], User]
                     ) -> Callable[[World, User], Case]:
    def scenario(w: World, actor: User) -> Case:
        handoff, target = _handoff(w, claimed_by=claimer(w, actor)), to(w, actor)
        return Case({"type": "handoff.transfer", "handoff_id": handoff.id, "to_agent_id": target.id},
                    _claimed_by(handoff, target))
    return scenario


def console_resolve(claimer: Callable[[World, User], User | None]) -> Callable[[World, User], Case]:
    def scenario(w: World, actor: User) -> Case:
        handoff = _handoff(w, claimed_by=claimer(w, actor))
        return Case({"type": "handoff.resolve", "handoff_id": handoff.id},
                    lambda events: Handoff.objects.get(pk=handoff.pk).status == "resolved")
    return scenario


def console_refund(amount: str, approve: bool, becomes: str, first: Callable[[World, User], User | None],
                   claimer: Callable[[World, User], User | None] | None = None) -> Callable[[World, User], Case]:
    def scenario(w: World, actor: User) -> Case:
        handoff = _handoff(w, claimed_by=(claimer or self_)(w, actor))
        refund = _refund(handoff.conversation, w.order_a, amount, first_approval_by=first(w, actor))
        event = ({"type": "refund.approve", "refund_id": refund.id} if approve
                 else {"type": "refund.reject", "refund_id": refund.id, "note": "Not covered, sorry."})
        return Case(event, _refund_is(refund, becomes))
    return scenario


def console_refund_quantity(claimer: Callable[[World, User], User | None]) -> Callable[[World, User], Case]:
    """Two of the lamp asked for; the event asks for one."""
    def scenario(w: World, actor: User) -> Case:
        handoff = _handoff(w, claimed_by=claimer(w, actor))
        line = w.order_a.items.get(product__slug="blue-ceramic-table-lamp")
        line.quantity = 2
        line.save(update_fields=["quantity"])
        refund = _refund(handoff.conversation, w.order_a, str(line.unit_price * 2))
        refund.items = [{"item_id": line.id, "product": "lamp", "quantity": 2, "ordered": 2,
                         "unit_price": str(line.unit_price), "amount": str(line.unit_price * 2)}]
        refund.save(update_fields=["items"])
        return Case({"type": "refund.quantity", "refund_id": refund.id, "item_id": line.id, "quantity": 1},
                    lambda events: RefundRequest.objects.get(pk=refund.pk).items[0]["quantity"] == 1)
    return scenario


def console_refund_orders(claimer: Callable[[World, User], User | None]) -> Callable[[World, User], Case]:
    def scenario(w: World, actor: User) -> Case:
        handoff = _handoff(w, claimed_by=claimer(w, actor))

        def done(events: list[dict]) -> bool:
            offered = [o["number"] for e in events if e["type"] == "refund.orders" for o in e["orders"]]
            return ORDER_A in offered and ORDER_B not in offered
        return Case({"type": "refund.orders", "conversation_id": str(handoff.conversation_id)}, done)
    return scenario


_fresh_order_numbers = iter(range(78001, 79000))


def console_refund_file(claimer: Callable[[World, User], User | None], *, bobs: bool = False
                        ) -> Callable[[World, User], Case]:
    """One lamp of a fresh order of Alice's (each row has one to file for), or of Bob's order."""
    def scenario(w: World, actor: User) -> Case:
        handoff = _handoff(w, claimed_by=claimer(w, actor))
        number = next(_fresh_order_numbers)
        order = (Order.objects.get(number=ORDER_B) if bobs else
                 _order(w.users[CUSTOMER_A], number, "Prinsengracht 263\n1016 GV Amsterdam",  # type: ignore[arg-type]
                        f"INV-A-{number}", f"A-TRACK-{number}", w.product))
        return Case({"type": "refund.file", "conversation_id": str(handoff.conversation_id), "order": order.number,
                     "items": [{"item_id": order.items.get().id, "quantity": 1}], "reason": "Agreed in the chat"},
                    lambda events: RefundRequest.objects.filter(order=order,
                                                                conversation=handoff.conversation).exists())
    return scenario


def self_(w: World, actor: User) -> User:
    return actor


def colleague(w: World, actor: User) -> User:
    return w.kim


def nobody(w: World, actor: User) -> None:
    return None


def ops_user(w: World, actor: User) -> User:
    return w.users[OPS]  # type: ignore[return-value]


def customer_b(w: World, actor: User) -> User:
    return w.users[CUSTOMER_B]  # type: ignore[return-value]


CONSOLE_SCENARIOS: dict[str, Callable[[World, User], Case]] = {
    "conversation.open: A's conversation": console_open_a,
    "queue.refresh: the queue": console_queue_refresh,
    "typing: in A's conversation": console_typing,
    "note.add: on A's conversation": console_note,
    "message.translate: A's message": console_translate_message,
    "draft.translate: into A's language": console_translate_draft,
    "handoff.claim: a queued handoff": console_claim(nobody),
    "handoff.claim: colleague's claimed handoff": console_claim(colleague),
    "agent.message: own claimed handoff": console_reply(self_),
    "agent.message: colleague's claimed handoff": console_reply(colleague),
    "agent.message: unclaimed (queued) handoff": console_reply(nobody),
    "handoff.transfer: own claim to colleague": console_transfer(self_, colleague),
    "handoff.transfer: colleague's claim to self": console_transfer(colleague, self_),
    "handoff.transfer: own claim to an ops user": console_transfer(self_, ops_user),
    "handoff.transfer: own claim to a customer": console_transfer(self_, customer_b),
    "handoff.transfer: unclaimed (queued) handoff": console_transfer(nobody, colleague),
    "handoff.resolve: own claimed handoff": console_resolve(self_),
    "handoff.resolve: colleague's claimed handoff": console_resolve(colleague),
    "handoff.resolve: unclaimed (queued) handoff": console_resolve(nobody),
    "refund.approve: up to the limit": console_refund("64.00", True, "approved", nobody),
    "refund.approve: unclaimed (queued) handoff": console_refund("64.00", True, "approved", nobody, nobody),
    "refund.approve: colleague's claimed handoff": console_refund("64.00", True, "approved", nobody, colleague),
    "refund.reject: colleague's claimed handoff": console_refund("64.00", False, "rejected", nobody, colleague),
    "refund.approve: over the limit, first approval": console_refund("899.00", True, "awaiting_second", nobody),
    "refund.approve: over the limit, second approval": console_refund("899.00", True, "approved", colleague),
    "refund.approve: second approval by the first approver": console_refund("899.00", True, "approved", self_),
    "refund.reject: with a note": console_refund("64.00", False, "rejected", nobody),
    "refund.reject: over the limit, awaiting second": console_refund("899.00", False, "rejected", colleague),
    "refund.quantity: own claimed handoff": console_refund_quantity(self_),
    "refund.quantity: colleague's claimed handoff": console_refund_quantity(colleague),
    "refund.orders: own claimed handoff": console_refund_orders(self_),
    "refund.orders: colleague's claimed handoff": console_refund_orders(colleague),
    "refund.file: A's order, own claimed handoff": console_refund_file(self_),
    "refund.file: A's order, colleague's claimed handoff": console_refund_file(colleague),
    "refund.file: B's order in A's conversation": console_refund_file(self_, bobs=True),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ROLES)
async def test_console_events(world: World, asgi_application: Any, role: str) -> None:
    socket, first, _ = await ws_open(asgi_application, world, role, "/ws/console/")
    if first is None:
        wrong = [label for label, cells in CONSOLE_EVENTS if cells[role] is not REFUSED]
        assert not wrong, f"{role} cannot open the console socket, but the matrix expects {wrong}"
        return
    assert first["type"] == "queue"
    actor = world.users[role]
    problems = []
    for label, cells in CONSOLE_EVENTS:
        assert cells[role] is not REFUSED, f"{label}: {role} connected to the console, the matrix says REFUSED"
        case = await database_sync_to_async(CONSOLE_SCENARIOS[label])(world, actor)  # type: ignore[arg-type]
        before = await database_sync_to_async(db_state)()
        events = await exchange(socket, case.event, {"type": "barrier"},
                                lambda e: e.get("type") == "error" and e.get("code") == "unknown_type")
        if problem := await _check_event(label, role, cells[role], case, events, before):
            problems.append(f"{label} as {role}: {problem}")
    await socket.disconnect()
    assert not problems, "\n".join(problems)


@pytest.mark.django_db(transaction=True)
async def test_conversations_do_not_hear_each_other(world: World, asgi_application: Any,
                                                    no_assistant: list[int]) -> None:
    """Events of one conversation reach its own sockets and the staff watching it, nobody else."""
    from support.services.refunds import refund_decide

    alice, _, _ = await ws_open(asgi_application, world, CUSTOMER_A, "/ws/chat/")
    bob, _, _ = await ws_open(asgi_application, world, CUSTOMER_B, "/ws/chat/")
    visitor, _, _ = await ws_open(asgi_application, world, ANONYMOUS, "/ws/chat/")
    agent, _, _ = await ws_open(asgi_application, world, AGENT, "/ws/console/")  # each has had its history / queue
    await agent.send_json_to({"type": "conversation.open", "conversation_id": str(world.conversation_a.id)})
    assert (await agent.receive_json_from(timeout=10))["type"] == "conversation.detail"

    # Bob and the visitor talk and type: Alice and the agent watching Alice hear nothing of it.
    for socket in (bob, visitor):
        await socket.send_json_to({"type": "customer.message", "text": "PRIVATE-B hello", "client_id": str(uuid.uuid4())})
        assert (await socket.receive_json_from(timeout=10))["type"] == "message.saved"
        await socket.send_json_to({"type": "typing"})
    assert await alice.receive_nothing(timeout=0.3)
    assert await agent.receive_nothing(timeout=0.1)

    # Alice types: the agent hears it, Bob and the visitor do not.
    await alice.send_json_to({"type": "typing"})
    assert (await agent.receive_json_from(timeout=10)) == {"type": "typing", "who": "customer",
                                                           "conversation_id": str(world.conversation_a.id)}
    # An internal note and a refund decision on Alice's conversation: staff-only details stay with staff.
    await agent.send_json_to({"type": "note.add", "conversation_id": str(world.conversation_a.id), "text": "VIP"})
    assert (await agent.receive_json_from(timeout=10))["type"] == "note.added"
    # (decided by the supervisor: the agent holds no claim on Alice's handoff, and claiming it would tell Alice)
    await database_sync_to_async(refund_decide)(refund_id=world.refund_a.id, user=world.users[SUPERVISOR], approve=True)
    to_alice = []
    while not await alice.receive_nothing(timeout=0.3):
        to_alice.append(await alice.receive_json_from(timeout=1))
    assert [e["type"] for e in to_alice] == ["reply.start", "reply.end"], to_alice  # the assistant's note, nothing else
    assert "VIP" not in json.dumps(to_alice)
    for socket in (bob, visitor):
        assert await socket.receive_nothing(timeout=0.1)
    for socket in (alice, bob, visitor, agent):
        await socket.disconnect()


# ============================================================================================================
# The assistant's answers about Alice's order
# ============================================================================================================
@pytest.mark.parametrize(("label", "role", "expected"), _params(ASSISTANT))
def test_assistant_answer(world: World, label: str, role: str, expected: Outcome) -> None:
    from support.llm.tools import ToolContext, tool_call
    from support.services.order_help import order_answer, pending_answer

    actor = world.users[role]
    conversation = (Conversation.objects.create(customer=actor) if actor else
                    Conversation.objects.create())
    intent, _, text = world.fill(label).partition(": ")
    if intent == "order_lookup tool":
        said = json.dumps(tool_call(ToolContext(conversation=conversation), "order_lookup", {"order_number": text}))
    else:
        if intent == "proof":
            conversation.state = {"pending": {"kind": "identify_order", "intent": "get_invoice"}}
            answer = pending_answer(conversation=conversation, text=text)
        else:
            answer = order_answer(conversation=conversation, intent=intent, text=text)
        assert answer is not None
        said = json.dumps({"text": answer.text, "sources": answer.sources, "pending": answer.pending})
    leaked = re.search(r'PRIVATE-A|Prinsengracht|INV-A-77001|/orders/77001/|"found": true', said)
    if expected is SEES_A:
        assert leaked, f"{label} as {role}: expected an answer about Alice's order, got {said}"
    else:
        assert not leaked, f"LEAK: {label} as {role}: the assistant told {leaked.group(0)!r}: {said}"


# ============================================================================================================
# Redirects after a form stay on this site (a signed-in user is never bounced to another origin)
# ============================================================================================================
@pytest.mark.parametrize(("role", "path", "data"), [
    (OPS, "/ops/messages/{question_a}/label/", {"intent": "track_order", "next": "https://evil.example/x"}),
    (ANONYMOUS, "/account/login/", {"username": "alice", "password": "pw-alice", "next": "https://evil.example/x"}),
    (CUSTOMER_A, "/account/logout/", {"next": "//evil.example/x"}),
], ids=["ops label", "sign in", "sign out"])
def test_redirect_after_a_form_stays_on_the_site(world: World, role: str, path: str, data: dict[str, str]) -> None:
    response = client_for(world, role).post(world.fill(path), data)
    assert response.status_code == 302 and response["Location"].startswith("/") \
        and not response["Location"].startswith("//"), response.get("Location")


# ============================================================================================================
# RIGHTS THAT CHANGE WHILE A SOCKET IS OPEN. The console used to authorize only at connect, so an agent
# removed from their role, deactivated or signed out kept their rights until they closed the tab; and a
# transfer to an unknown user id crashed the socket. Both were found by this matrix and fixed.
# ============================================================================================================
def _revoke_group(user: User) -> None:
    user.groups.clear()


def _revoke_account(user: User) -> None:
    User.objects.filter(pk=user.pk).update(is_active=False, is_staff=False)


def _revoke_session(user: User) -> None:
    from django.contrib.sessions.models import Session

    Session.objects.all().delete()  # the socket's session is the only one: as if the agent signed out


def _revoke_password(user: User) -> None:
    user.set_password("changed-on-another-device-2026")  # the open tab's session hash no longer matches
    user.save()


REVOCATIONS: dict[str, Callable[[User], None]] = {
    "removed from the Support agent group": _revoke_group,
    "account deactivated (is_active and is_staff off)": _revoke_account,
    "signed out (session deleted)": _revoke_session,
    "password changed elsewhere": _revoke_password,
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("action", ["refund.approve", "conversation.open"])
@pytest.mark.parametrize("revocation", REVOCATIONS)
async def test_a_revoked_agent_loses_the_console_at_their_next_event(
        world: World, asgi_application: Any, revocation: str, action: str) -> None:
    # given an agent with the console open
    socket, first, _ = await ws_open(asgi_application, world, AGENT, "/ws/console/")
    assert first is not None and first["type"] == "queue"
    # when their rights are taken away, and they act from the open tab
    await database_sync_to_async(REVOCATIONS[revocation])(world.users[AGENT])  # type: ignore[arg-type]
    event = ({"type": "refund.approve", "refund_id": world.refund_a.id} if action == "refund.approve"
             else {"type": "conversation.open", "conversation_id": str(world.conversation_a.id)})
    await socket.send_json_to(event)
    # then the socket is closed before the event does anything
    closed = await socket.receive_output(timeout=10)
    assert closed == {"type": "websocket.close", "code": 4401}, closed
    status = await database_sync_to_async(lambda: RefundRequest.objects.get(pk=world.refund_a.pk).status)()
    assert status == "requested", f"a revoked agent ({revocation}) approved Alice's refund: {status}"
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_transfer_to_an_unknown_user_is_refused_with_an_error(world: World, asgi_application: Any) -> None:
    socket, first, _ = await ws_open(asgi_application, world, OPS, "/ws/console/")
    assert first is not None and first["type"] == "queue"
    await socket.send_json_to({"type": "handoff.transfer", "handoff_id": world.handoff_a.id, "to_agent_id": 987654})
    reply = await socket.receive_json_from(timeout=2)
    assert reply["type"] == "error" and reply["code"] in ("forbidden", "invalid"), reply
    await socket.disconnect()
