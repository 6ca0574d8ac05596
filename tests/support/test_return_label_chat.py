"""A return filed in the chat says how the parcel goes back (help: returns-and-exchanges): a delivered EU order
gets the link to its free return label, which opens for that visitor's browser only; outside the EU the customer
arranges the shipping.
"""
from __future__ import annotations

import re

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import Client

from shoppe.models import Order
from tests.support.test_chat_socket import anonymous_cookie, connected
from tests.support.test_refund_requests import ALWAYS_OPEN, delivered_order, reply_to

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("local_models")]


@pytest.fixture
def always_open(settings):  # type: ignore[no-untyped-def]
    settings.SUPPORT_HOURS = ALWAYS_OPEN


def _browser(cookie: str) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie.split("=", 1)[1]
    return client


async def _file_a_return(order: Order, cookie: str, mailoutbox) -> str:  # type: ignore[no-untyped-def]
    socket, _ = await connected(cookie)
    await reply_to(socket, "I want a refund please")
    await reply_to(socket, f"{order.number} {order.email}")
    code = re.search(r"\b(\d{6})\b", mailoutbox[-1].body).group(1)  # type: ignore[union-attr]
    if "Which" in await reply_to(socket, code):
        await reply_to(socket, "the velvet footstool")
    assert "reason" in await reply_to(socket, "yes")
    filed = await reply_to(socket, "it is the wrong colour")
    await socket.disconnect()
    return filed


async def test_a_guest_return_in_the_eu_links_its_label_which_opens_in_that_browser_only(mailoutbox, always_open):
    order = await database_sync_to_async(delivered_order)(None, ["Velvet footstool"], number=10041,
                                                          email="frank@example.test")
    cookie = await anonymous_cookie()
    filed = await _file_a_return(order, cookie, mailoutbox)
    assert "filed a refund request" in filed
    assert "Return shipping is free: print your return label at /orders/10041/return-label/" in filed, filed

    label = await database_sync_to_async(_browser(cookie).get)("/orders/10041/return-label/")
    assert label.status_code == 200 and b"Velvet footstool" in label.content
    stranger = await database_sync_to_async(_browser(await anonymous_cookie()).get)("/orders/10041/return-label/")
    assert stranger.status_code == 302 and b"Velvet footstool" not in stranger.content


async def test_a_guest_return_outside_the_eu_is_told_to_arrange_the_shipping(mailoutbox, always_open):
    order = await database_sync_to_async(delivered_order)(None, ["Velvet footstool"], number=10042,
                                                          email="frank@example.test")
    await database_sync_to_async(Order.objects.filter(id=order.id).update)(
        shipping_address="Frank\n10 Downing Street\nSW1A 2AA London\nUnited Kingdom")
    filed = await _file_a_return(order, await anonymous_cookie(), mailoutbox)
    assert "you arrange and pay the return shipping yourself" in filed and "return-label" not in filed
