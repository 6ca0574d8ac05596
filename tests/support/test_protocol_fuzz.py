"""Property-based: whatever a client sends, the chat socket answers sanely and stays open."""
from __future__ import annotations

import json
import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.models import Message
from tests.conftest import chat_socket, session_cookie_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("local_models")]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10,
)
events = st.fixed_dictionaries(
    {"type": st.sampled_from(["customer.message", "feedback", "typing", "ping", "nonsense", ""])},
    optional={"text": st.one_of(st.text(max_size=3000), json_values),
              "client_id": st.one_of(st.uuids().map(str), st.text(max_size=40), json_values),
              "reply_id": json_values, "score": json_values, "conversation": json_values},
)
frames = st.one_of(st.text(min_size=1, max_size=200), events.map(json.dumps), json_values.map(json.dumps))
SERVER_EVENTS = {"error", "message.saved", "reply.start", "reply.chunk", "reply.end", "reply.failed", "handoff",
                 "pong", "feedback.saved", "typing", "agent.message", "agent.joined"}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(frames, min_size=1, max_size=15))
def test_any_input_gets_a_known_answer_and_the_socket_stays_open(sequence):
    async def run() -> None:
        socket = chat_socket(await database_sync_to_async(session_cookie_for)(None))
        assert (await socket.connect(timeout=10))[0]
        assert (await socket.receive_json_from(timeout=10))["type"] == "history"
        for frame in sequence:
            await socket.send_to(text_data=frame)
        # then a well-formed message still works
        client_id = str(uuid.uuid4())
        await socket.send_json_to({"type": "customer.message", "text": "where is my order?", "client_id": client_id})
        while True:
            event = await socket.receive_json_from(timeout=20)
            assert event["type"] in SERVER_EVENTS, event
            if event["type"] == "error":
                assert event["code"] and event["message"]
            if event.get("client_id") == client_id and event["type"] in {"message.saved", "error"}:
                break
        await socket.disconnect()

    async_to_sync(run)()
    # nothing saved is ever lost or mangled: every saved customer text is a string the client sent
    for text in Message.objects.filter(author="customer").values_list("text", flat=True):
        assert isinstance(text, str) and text.strip()
