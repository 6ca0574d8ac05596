"""#14 item 5: a process is starting until its assistant can answer; what customers and /healthz see meanwhile.

`shoppe.readiness` is the state; the process test (tests/test_start_up.py) drives a real
`make run` on a fresh data dir. Here the same state is set by hand in the test process, and
the real socket, database, router and sweep show what a customer gets while it starts.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.utils import timezone

from shoppe.readiness import GETTING_READY, Readiness, readiness
from support.health import CHECKS
from support.models import Message
from support.services.recovery import stranded_messages_finish
from tests.conftest import chat_socket, session_cookie_for

OUTSIDE = "203.0.113.9"  # a load balancer's address: not this machine, no token


@pytest.fixture
def starting():  # type: ignore[no-untyped-def]
    """This process gets its assistant ready (as `shoppe.startup.rag_warm_up` makes it) until the test settles it."""
    readiness.begin()
    readiness.step("training the router")
    yield readiness
    readiness.settle()


# --- the state -------------------------------------------------------------------------------------------


def test_a_process_that_loads_nothing_up_front_is_never_starting() -> None:
    state = Readiness()
    assert not state.starting and state.wait(timeout=0)
    assert state.status()["state"] == "ready"


def test_starting_until_settled_with_what_it_is_doing() -> None:
    state = Readiness()
    state.begin()
    state.step("building the help-centre index")
    assert state.starting and not state.wait(timeout=0.05)
    assert state.status()["state"] == "starting" and state.status()["step"] == "building the help-centre index"
    time.sleep(0.1)
    state.settle()
    assert not state.starting and state.wait(timeout=0)
    status = state.status()
    assert status["state"] == "ready" and status["step"] == "" and status["seconds"] >= 0.1


async def test_waiting_sockets_hold_no_thread_and_all_go_on_when_another_thread_settles() -> None:
    state = Readiness()
    state.begin()
    went_on: list[int] = []

    async def socket_waits(n: int) -> None:
        await state.wait_async()
        went_on.append(n)

    waiting = [asyncio.create_task(socket_waits(n)) for n in range(50)]
    await asyncio.sleep(0.1)
    assert went_on == []
    threading.Timer(0.05, state.settle).start()  # the warm-up thread finishes
    await asyncio.wait_for(asyncio.gather(*waiting), timeout=5)
    assert sorted(went_on) == list(range(50))
    await asyncio.wait_for(state.wait_async(), timeout=0.1)  # once ready, nothing waits


# --- /healthz ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("local_models")
def test_healthz_says_starting_with_503_until_ready_then_200(client, settings, starting) -> None:
    from rag.index import index_get

    index_get()  # the models are even loaded: still not ready until the warm-up says so
    settings.METRICS_TOKEN = "s3cret"

    # while starting, a load balancer learns only that it is starting
    anonymous = client.get("/healthz", REMOTE_ADDR=OUTSIDE)
    assert anonymous.status_code == 503 and anonymous.json() == {"status": "starting"}
    # the token's holder sees what it is doing
    detailed = client.get("/healthz", HTTP_AUTHORIZATION="Bearer s3cret")
    assert detailed.status_code == 503 and detailed.json()["status"] == "starting"
    assert "starting: training the router" in detailed.json()["checks"]["local_models"]["status"]
    assert detailed.json()["checks"]["database"]["status"] == "ok"

    starting.settle()
    ready = client.get("/healthz", REMOTE_ADDR=OUTSIDE)
    assert ready.status_code == 200 and ready.json() == {"status": "ok"}


@pytest.mark.django_db
@pytest.mark.usefixtures("local_models")
def test_a_503_while_starting_is_logged_as_information_and_a_503_when_down_as_an_error(client, starting, caplog,
                                                                                     monkeypatch) -> None:
    # A load balancer polls /healthz while the process gets ready: those 503s are expected, not errors
    def logged_levels() -> list[int]:
        return [record.levelno for record in caplog.records if record.name == "django.request"]

    with caplog.at_level(logging.INFO):
        assert client.get("/healthz", REMOTE_ADDR=OUTSIDE).status_code == 503
    assert logged_levels() == [logging.INFO]

    # once ready, a 503 means something is down: an error, as before
    starting.settle()
    def database_down() -> str:
        raise OSError("database unreachable")

    monkeypatch.setitem(CHECKS, "database", database_down)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        response = client.get("/healthz", REMOTE_ADDR=OUTSIDE)
    assert response.status_code == 503 and response.json() == {"status": "unavailable"}
    assert logged_levels() == [logging.ERROR]


# --- the chat while starting ------------------------------------------------------------------------------

ROUTINE = "Which payment methods do you accept?"


async def _events(socket, *, quiet: float = 0.5) -> list[dict]:  # type: ignore[no-untyped-def]
    seen = []
    while not await socket.receive_nothing(timeout=quiet):
        seen.append(await socket.receive_json_from())
    return seen


def _replies_to(message_id: int) -> list[str]:
    return list(Message.objects.filter(in_reply_to_id=message_id).values_list("status", flat=True))


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("local_models")
async def test_a_message_sent_while_starting_is_saved_held_and_answered_once_when_ready(starting) -> None:
    socket = chat_socket(await database_sync_to_async(session_cookie_for)(None))
    assert (await socket.connect(timeout=10))[0]
    history = await socket.receive_json_from(timeout=10)
    assert history["type"] == "history"
    # the widget is told the assistant is getting ready
    status = await socket.receive_json_from(timeout=5)
    assert status == {"type": "assistant.status", "ready": False, "message": GETTING_READY}

    # when the customer asks while it starts
    client_id = str(uuid.uuid4())
    await socket.send_json_to({"type": "customer.message", "text": ROUTINE, "client_id": client_id})
    events = await _events(socket)
    # then it is saved and acknowledged, and nothing is answered yet
    assert [e["type"] for e in events] == ["message.saved"], events
    message_id = events[0]["message_id"]
    message = await database_sync_to_async(Message.objects.get)(id=message_id)
    assert message.status == "received"
    # held by this process, so no sweep takes it for one a dead process left (a start-up can
    # last longer than STRANDED_MESSAGE_AFTER_S)
    assert message.answering_by and message.answering_until > timezone.now()
    await database_sync_to_async(Message.objects.filter(id=message_id).update)(
        created_at=timezone.now() - timedelta(hours=1))
    assert await sync_to_async(stranded_messages_finish, thread_sensitive=False)() == 0

    # when the assistant is ready
    starting.settle()
    events = await _events(socket, quiet=1.0)
    # then the widget hears it, and the message gets its answer, once
    assert events[0] == {"type": "assistant.status", "ready": True}, events
    ends = [e for e in events if e["type"] == "reply.end"]
    assert len(ends) == 1 and ends[0]["in_reply_to"] == message_id and "PayPal" in ends[0]["text"], events
    assert await database_sync_to_async(_replies_to)(message_id) == ["complete"]
    message = await database_sync_to_async(Message.objects.get)(id=message_id)
    assert message.status == "answered" and message.route == "local"
    assert await sync_to_async(stranded_messages_finish, thread_sensitive=False)() == 0
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("local_models")
async def test_a_ready_process_answers_at_once_and_says_nothing_about_getting_ready() -> None:
    socket = chat_socket(await database_sync_to_async(session_cookie_for)(None))
    assert (await socket.connect(timeout=10))[0]
    assert (await socket.receive_json_from(timeout=10))["type"] == "history"
    await socket.send_json_to({"type": "customer.message", "text": ROUTINE, "client_id": str(uuid.uuid4())})
    types = [e["type"] for e in await _events(socket)]
    assert "assistant.status" not in types and types[0] == "message.saved" and types[-1] == "reply.end", types
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("local_models")
async def test_a_socket_closed_while_starting_still_gets_its_message_answered(starting) -> None:
    cookie = await database_sync_to_async(session_cookie_for)(None)
    socket = chat_socket(cookie)
    assert (await socket.connect(timeout=10))[0]
    history = await socket.receive_json_from(timeout=10)
    await socket.receive_json_from(timeout=5)  # getting ready
    await socket.send_json_to({"type": "customer.message", "text": ROUTINE, "client_id": str(uuid.uuid4())})
    saved = (await _events(socket))[0]
    await socket.disconnect()  # the customer closes the tab

    starting.settle()
    for _ in range(50):
        if await database_sync_to_async(_replies_to)(saved["message_id"]):
            break
        await asyncio.sleep(0.1)
    assert await database_sync_to_async(_replies_to)(saved["message_id"]) == ["complete"]
    # and finds the answer in the history on return
    again = chat_socket(cookie, query=f"conversation={history['conversation_id']}")
    assert (await again.connect(timeout=10))[0]
    messages = (await again.receive_json_from(timeout=10))["messages"]
    assert [m["author"] for m in messages] == ["customer", "bot"]
    await again.disconnect()
