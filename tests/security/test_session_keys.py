"""A customer's session cookie is kept nowhere staff can read it.

Found by session 30's security probe: each conversation stored the browser's session key, its `sessionid` cookie,
and the admin showed it to every staff role, the read-only Ops one included. Pasted into a cookie, it signed them in
as the customer: their orders, addresses, refunds and chat. Nothing needed it (a visitor's session names its
conversation, not the other way round). Through the real ASGI app and Django's admin.
"""
from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.core import serializers
from django.test import Client

from support.models import Conversation
from support.roles import OPS
from tests.conftest import session_cookie_for
from tests.support.test_conversations import connected, say
from tests.support.test_human_tier import staff

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("local_models")]


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "customer"])
async def test_no_staff_page_and_no_conversation_row_holds_a_customers_session_key(make_customer, signed_in) -> None:
    customer = await database_sync_to_async(make_customer)("carol", "Carol") if signed_in else None
    cookie = await database_sync_to_async(session_cookie_for)(customer)
    socket, history = await connected(cookie)
    await say(socket, "where is my order 10032?")
    await socket.disconnect()
    session_key = cookie.split("=", 1)[1]

    def what_staff_can_read() -> str:
        ops = Client()
        ops.force_login(staff("olga", OPS, "Olga"))
        page = ops.get(f"/admin/support/conversation/{history['conversation_id']}/change/")
        assert page.status_code == 200  # Ops may look at a conversation...
        rows = serializers.serialize("json", Conversation.objects.all())
        return page.content.decode() + rows

    assert session_key not in await database_sync_to_async(what_staff_can_read)()  # ...but not at the key to it
