"""Property-based: whatever a client sends, the chat and console sockets answer sanely and stay open.

The frames cover what broke the sockets before (#13 item 8): a `type` that is not a
string (a dict or list: unhashable), JSON nested deeper than Python's recursion limit,
strings with lone surrogates (which cannot be stored), ids that are booleans, floats,
infinities or integers too large for the database, and frames of any size.
"""
from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Group, User
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shoppe.models import Customer, Order, OrderItem, Product
from support.models import Conversation, Handoff, Message, RefundRequest
from tests.conftest import chat_socket, session_cookie_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("local_models")]


@pytest.fixture(autouse=True)
def no_address_limits(settings):  # type: ignore[no-untyped-def]
    """Every example opens a socket from the same address: the per-address limits are not under test here."""
    settings.CHAT_CONNECTIONS_PER_MINUTE_PER_ADDRESS = 0
    settings.CHAT_MESSAGES_PER_MINUTE_PER_ADDRESS = 0

# Text with lone surrogates in it now and then: a browser's JSON.stringify sends them as "\ud800".
texts = st.text(alphabet=st.characters() | st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, categories=["Cs"]),
                max_size=50)
numbers = st.integers() | st.integers(min_value=2**62, max_value=2**80) | st.floats() | st.booleans()
json_values = st.recursive(
    st.none() | numbers | texts,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=10,
)
# Nesting far beyond Python's recursion limit, alone or inside an event.
deep = st.integers(min_value=1, max_value=60_000).map(lambda n: "[" * n + "]" * n)
deep_in_event = st.integers(min_value=900, max_value=60_000).map(
    lambda n: '{"type": "ping", "x": ' + "{\"a\": " * n + "1" + "}" * n + "}")


def _frames(events: st.SearchStrategy[dict]) -> st.SearchStrategy[str]:
    return st.one_of(st.text(min_size=1, max_size=200), events.map(json.dumps), json_values.map(json.dumps),
                     deep, deep_in_event)


chat_events = st.fixed_dictionaries(
    {"type": st.sampled_from(["customer.message", "feedback", "typing", "ping", "nonsense", ""]) | json_values},
    optional={"text": st.one_of(st.text(max_size=3000), texts, json_values),
              "client_id": st.one_of(st.uuids().map(str), st.text(max_size=40), json_values),
              "reply_id": json_values, "score": json_values, "conversation": json_values, "comment": json_values},
)
CHAT_ANSWERS = {"error", "message.saved", "reply.start", "reply.chunk", "reply.end", "reply.failed", "handoff",
                "pong", "feedback.saved", "typing", "agent.message", "agent.joined", "system.line"}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_frames(chat_events), min_size=1, max_size=15))
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
            assert event["type"] in CHAT_ANSWERS, event
            if event["type"] == "error":
                assert event["code"] and event["message"]
            if event.get("client_id") == client_id and event["type"] in {"message.saved", "error"}:
                break
        await socket.disconnect()

    async_to_sync(run)()
    # nothing saved is ever lost or mangled: every saved customer text is a string the client sent
    for text in Message.objects.filter(author="customer").values_list("text", flat=True):
        assert isinstance(text, str) and text.strip()
        text.encode("utf-8")  # storable and sendable: no lone surrogates


# --- the staff console --------------------------------------------------------------------------------------
CONSOLE_TYPES = ["conversation.open", "handoff.claim", "agent.message", "note.add", "handoff.transfer",
                 "handoff.resolve", "refund.approve", "refund.reject", "refund.orders", "refund.file", "typing",
                 "nonsense"]
CONSOLE_ANSWERS = {"queue", "conversation.detail", "handoff.new", "handoff.updated", "message.saved", "reply.start",
                   "reply.chunk", "reply.end", "reply.failed", "agent.message", "agent.joined", "handoff",
                   "note.added", "refund.updated", "typing", "error", "system.line", "refund.awaiting",
                   "refund.orders", "refund.filed"}


def _console_world() -> dict:
    """A supervisor (every console event is open to them) and real objects for ids to hit now and then."""
    supervisor = User.objects.create_user("sofia", "sofia@example-shoppe.test", "pw", is_staff=True)
    supervisor.groups.add(Group.objects.get(name="Supervisor"))
    agent = User.objects.create_user("kim", "kim@example-shoppe.test", "pw", is_staff=True)
    agent.groups.add(Group.objects.get(name="Support agent"))
    customer = User.objects.create_user("alice", "alice@example.test", "pw")
    Customer.objects.create(user=customer, default_address="Keizersgracht 12")
    order = Order.objects.create(number=88001, customer=customer.customer, email=customer.email, status="delivered",
                                 shipping_address="Keizersgracht 12", shipping_cost=Decimal("4.95"))
    mug = Product.objects.create(slug="mug", name="Mug", category="Kitchen", description="A mug", price=Decimal("9.00"))
    line = OrderItem.objects.create(order=order, product=mug, quantity=3, unit_price=mug.price)  # a refund to file
    conversation = Conversation.objects.create(customer=customer, status=Conversation.Status.WAITING)
    handoff = Handoff.objects.create(conversation=conversation, reason="person")
    refund = RefundRequest.objects.create(conversation=conversation, order=order, amount=Decimal("10.00"), reason="x")
    return {"supervisor": supervisor, "ids": [handoff.id, refund.id, agent.id, customer.id, line.id],
            "conversation_id": str(conversation.id)}


@pytest.fixture
def console_world(db):  # type: ignore[no-untyped-def]
    return _console_world()


def _console_events(world: dict) -> st.SearchStrategy[dict]:
    ids = st.sampled_from(world["ids"]) | json_values
    # a refund the console files: which items, how many of each (any shape a client may send)
    items = st.lists(st.fixed_dictionaries({}, optional={"item_id": ids, "quantity": numbers | json_values}),
                     max_size=4) | json_values
    conversation_ids = st.just(world["conversation_id"]) | st.uuids().map(str) | json_values
    return st.fixed_dictionaries(
        {"type": st.sampled_from(CONSOLE_TYPES) | json_values},
        optional={"handoff_id": ids, "refund_id": ids, "to_agent_id": ids, "conversation_id": conversation_ids,
                  "text": st.one_of(st.text(max_size=5000), texts, json_values), "note": st.one_of(texts, json_values),
                  "order": st.just(88001) | ids, "items": items, "reason": st.one_of(texts, json_values)},
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_console_input_gets_a_known_answer_and_the_socket_stays_open(console_world, data):
    sequence = data.draw(st.lists(_frames(_console_events(console_world)), min_size=1, max_size=12))

    async def run() -> None:
        from shoppe.asgi import application

        cookie = await database_sync_to_async(session_cookie_for)(console_world["supervisor"])
        socket = WebsocketCommunicator(application, "/ws/console/", headers=[
            (b"cookie", cookie.encode()), (b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")])
        assert (await socket.connect(timeout=10))[0]
        assert (await socket.receive_json_from(timeout=10))["type"] == "queue"
        for frame in sequence:
            await socket.send_to(text_data=frame)
        # then the socket still answers: an unknown event type gets its error, after everything before it
        await socket.send_json_to({"type": "barrier"})
        while True:
            output = await socket.receive_output(timeout=20)
            assert output["type"] == "websocket.send", f"the console socket closed: {output}"
            event = json.loads(output["text"])
            assert event["type"] in CONSOLE_ANSWERS, event
            if event["type"] == "error":
                assert event["code"] and event["message"]
                if event["code"] == "unknown_type" and "barrier" in event["message"]:
                    break
        await socket.disconnect()

    async_to_sync(run)()
