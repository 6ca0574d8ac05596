"""Customer messages a dead process left without an outcome: each finished exactly once.

A process that dies leaves its messages in the database as it left them: saved and
`received`, perhaps routed to the LLM and held by a queued task. These tests make that
state with the real services, then run the sweep (support.services.recovery) and the
processes that could still come late (the original thread, a redelivered task), and
check what the customer's socket and the database show. The process kills themselves
are drilled in tests/faults/test_server_killed.py.
"""
from __future__ import annotations

import asyncio
import threading
import uuid
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.db import connection
from django.utils import timezone

from support.models import EscalationLog, Handoff, Message
from support.services.away import ASK_EMAIL
from support.services.conversations import message_receive
from support.services.recovery import stranded_messages, stranded_messages_finish
from support.services.replies import message_answer
from support.tasks import escalation_answer
from tests.conftest import chat_socket, session_cookie_for
from tests.fakes.gemini import FakeGemini, Reply
from tests.production_stack import LLM_QUESTION

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("local_models")]

ROUTINE = "Which payment methods do you accept?"


@pytest.fixture(autouse=True)
def short_stranding(settings):  # type: ignore[no-untyped-def]
    settings.STRANDED_MESSAGE_AFTER_S = 0.3


@pytest.fixture
def gemini(settings):  # type: ignore[no-untyped-def]
    with FakeGemini(default=Reply.text(["An answer from the LLM."])) as server:
        settings.GEMINI_API_KEY = "test-key"
        settings.GEMINI_BASE_URL = server.base_url
        yield server


class Chat:
    """A visitor's open socket."""

    def __init__(self, socket, conversation_id: str) -> None:  # type: ignore[no-untyped-def]
        self.socket, self.conversation_id = socket, uuid.UUID(conversation_id)

    async def saved_and_abandoned(self, text: str) -> Message:
        """The message saved as the socket saves it, by a process that then died before answering."""
        message, _ = await database_sync_to_async(message_receive)(
            conversation_id=self.conversation_id, text=text, client_id=uuid.uuid4())
        return message

    async def events(self) -> list[dict]:
        seen = []
        while not await self.socket.receive_nothing(timeout=0.5):
            seen.append(await self.socket.receive_json_from())
        return seen


@pytest.fixture
async def chat():  # type: ignore[no-untyped-def]
    socket = chat_socket(await database_sync_to_async(session_cookie_for)(None))
    assert (await socket.connect(timeout=10))[0]
    history = await socket.receive_json_from(timeout=10)
    yield Chat(socket, history["conversation_id"])
    await socket.disconnect()


def replies_to(message: Message) -> list[tuple[str, str]]:
    return list(Message.objects.filter(in_reply_to=message).order_by("id").values_list("status", "text"))


sweep = sync_to_async(stranded_messages_finish, thread_sensitive=False)


async def test_a_message_answered_normally_is_never_swept(chat):
    await chat.socket.send_json_to({"type": "customer.message", "text": ROUTINE, "client_id": str(uuid.uuid4())})
    assert [e["type"] for e in await chat.events()][-1] == "reply.end"
    await asyncio.sleep(0.4)
    assert await sweep() == 0


async def test_a_message_saved_but_never_answered_is_answered_once_by_two_sweeps_at_once(chat):
    message = await chat.saved_and_abandoned(ROUTINE)
    # not before it is STRANDED_MESSAGE_AFTER_S old: the socket's own thread may still be answering it
    assert await sweep() == 0
    await asyncio.sleep(0.4)
    # two server processes sweep at the same moment
    results: list[int] = []

    def server_process_sweeps() -> None:
        try:
            results.append(stranded_messages_finish())
        finally:
            connection.close()

    threads = [threading.Thread(target=server_process_sweeps) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [0, 1]
    events = await chat.events()
    ends = [e for e in events if e["type"] == "reply.end"]
    assert len(ends) == 1 and ends[0]["in_reply_to"] == message.id and "PayPal" in ends[0]["text"], events
    assert [s for s, _ in await database_sync_to_async(replies_to)(message)] == ["complete"]
    await database_sync_to_async(message.refresh_from_db)()
    assert message.status == "answered"


async def test_the_original_thread_coming_late_does_not_answer_a_second_time(chat):
    message = await chat.saved_and_abandoned(ROUTINE)
    await asyncio.sleep(0.4)
    assert await sweep() == 1
    # the server thread that was answering it was only stuck, and now carries on
    await sync_to_async(message_answer, thread_sensitive=False)(message_id=message.id)
    assert [e["type"] for e in await chat.events()].count("reply.end") == 1
    assert len(await database_sync_to_async(replies_to)(message)) == 1
    assert await sweep() == 0


async def test_the_sweep_leaves_a_message_alone_that_the_original_answered_meanwhile(chat):
    message = await chat.saved_and_abandoned(ROUTINE)
    await asyncio.sleep(0.4)
    await sync_to_async(message_answer, thread_sensitive=False)(message_id=message.id)
    assert await sweep() == 0
    assert len(await database_sync_to_async(replies_to)(message)) == 1


def _queued_escalation(conversation_id: uuid.UUID, *, task_id: str, lapsed: bool) -> Message:
    """An LLM question as the server leaves it once its task is queued: routed, and held by the task."""
    message, _ = message_receive(conversation_id=conversation_id, text=LLM_QUESTION, client_id=uuid.uuid4())
    until = timezone.now() + timedelta(seconds=-1 if lapsed else 60)
    Message.objects.filter(id=message.id).update(route="llm", intent="complex", reason="several questions at once",
                                                 answering_by=task_id, answering_until=until)
    return message


async def test_an_escalation_whose_worker_died_goes_to_staff_once_and_its_task_coming_back_stays_quiet(gemini, chat):
    task_id = str(uuid.uuid4())
    message = await database_sync_to_async(_queued_escalation)(chat.conversation_id, task_id=task_id, lapsed=True)
    # the worker had started: its log row says so, and the customer saw the first words
    await database_sync_to_async(EscalationLog.objects.create)(conversation_id=chat.conversation_id, message=message)
    partial = await database_sync_to_async(Message.objects.create)(
        conversation_id=chat.conversation_id, author="bot", text="Sorry about", status="streaming", in_reply_to=message)

    assert await sweep() == 1
    # Redis gives the task back after its visibility timeout
    await sync_to_async(escalation_answer.apply, thread_sensitive=False)(
        kwargs={"message_id": message.id}, task_id=task_id)
    assert await sweep() == 0

    events = await chat.events()
    types = [e["type"] for e in events]
    assert types[0] == "reply.failed" and events[0]["reply_id"] == partial.id
    answers = [e for e in events if e["type"] == "reply.end" and e["in_reply_to"] == message.id]
    assert len(answers) == 1 and types.count("handoff") == 1, types
    assert "lost my train of thought" in answers[0]["text"]
    # and, once, the visitor is asked for an address to be emailed the team's reply (#15 item 11)
    assert [e["text"] for e in events if e["type"] == "reply.end" and e["in_reply_to"] != message.id] == [ASK_EMAIL]
    assert not gemini.requests, "the LLM was asked again"
    assert [s for s, _ in await database_sync_to_async(replies_to)(message)] == ["failed", "complete"]
    row = await database_sync_to_async(EscalationLog.objects.get)(message=message)
    assert (row.outcome, row.handoff_reason) == ("handed_off", "worker_lost")
    assert await database_sync_to_async(Handoff.objects.filter(conversation_id=chat.conversation_id).count)() == 1


async def test_a_queued_escalation_is_left_to_its_task_and_only_that_task_runs_it(gemini, chat):
    task_id = str(uuid.uuid4())
    message = await database_sync_to_async(_queued_escalation)(chat.conversation_id, task_id=task_id, lapsed=False)
    await asyncio.sleep(0.4)
    # still queued, within the time a task may wait: neither the sweep nor another task takes it
    assert await sweep() == 0
    await sync_to_async(escalation_answer.apply, thread_sensitive=False)(
        kwargs={"message_id": message.id}, task_id=str(uuid.uuid4()))
    assert not gemini.requests
    # its own task answers it, once
    await sync_to_async(escalation_answer.apply, thread_sensitive=False)(
        kwargs={"message_id": message.id}, task_id=task_id)
    await sync_to_async(escalation_answer.apply, thread_sensitive=False)(  # and a redelivery of it does nothing
        kwargs={"message_id": message.id}, task_id=task_id)
    assert len(gemini.requests) == 1
    assert [e["type"] for e in await chat.events()].count("reply.end") == 1
    await database_sync_to_async(message.refresh_from_db)()
    assert (message.status, message.answering_until) == ("answered", None)
    assert await database_sync_to_async(stranded_messages)() == []


async def test_a_message_the_assistant_failed_on_keeps_its_failure_notice_and_is_not_swept(chat, monkeypatch):
    from support.services import replies

    def broken_index(**kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the help-centre index is unreadable")

    monkeypatch.setattr(replies, "knowledge_answer", broken_index)
    await chat.socket.send_json_to({"type": "customer.message", "text": "How long does delivery take?",
                                    "client_id": str(uuid.uuid4())})
    events = await chat.events()
    assert [e["type"] for e in events][-1] == "reply.failed", events
    message = await database_sync_to_async(Message.objects.get)(id=events[0]["message_id"])
    assert message.status == "failed"
    await asyncio.sleep(0.4)
    assert await sweep() == 0
    assert [s for s, _ in await database_sync_to_async(replies_to)(message)] == ["failed"]


async def test_the_sweep_deletes_the_ended_conversations_nothing_happened_in_once_an_hour(chat, settings):
    """The sweep every server process runs also deletes what sockets opened and left (`empty_conversations_delete`)."""
    import time

    from support.models import Conversation
    from support.services.recovery import EMPTY_CONVERSATIONS_EVERY_S, sweep_turn

    def left_a_day_ago() -> uuid.UUID:
        then = timezone.now() - timedelta(hours=settings.CONVERSATION_IDLE_HOURS, minutes=5)
        return Conversation.objects.create(created_at=then, updated_at=then).id

    # given a conversation nobody said anything in that ended, beside a chat that is open
    left = await database_sync_to_async(left_a_day_ago)()
    # when the sweep turns for the first time in a process, it is deleted
    emptied_at = await sync_to_async(sweep_turn, thread_sensitive=False)(emptied_at=None)
    assert emptied_at is not None
    assert not await database_sync_to_async(Conversation.objects.filter(id=left).exists)()
    # then the next turns leave the next one to the hour after
    left = await database_sync_to_async(left_a_day_ago)()
    assert await sync_to_async(sweep_turn, thread_sensitive=False)(emptied_at=emptied_at) == emptied_at
    assert await database_sync_to_async(Conversation.objects.filter(id=left).exists)()
    an_hour_ago = time.monotonic() - EMPTY_CONVERSATIONS_EVERY_S
    await sync_to_async(sweep_turn, thread_sensitive=False)(emptied_at=an_hour_ago)
    assert not await database_sync_to_async(Conversation.objects.filter(id=left).exists)()
    assert await database_sync_to_async(Conversation.objects.filter(id=chat.conversation_id).exists)()
