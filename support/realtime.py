"""The only place that sends to WebSocket groups.

Every event a customer's socket receives is one of the typed payloads below, sent to
the conversation's group so that each open tab or device of that conversation, and
a reply produced by a Celery worker in another process, reach the same sockets.
"""
from __future__ import annotations

import asyncio
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Literal, NotRequired, TypedDict

from channels.layers import get_channel_layer
from django.conf import settings

RouteName = Literal["local", "llm", "human", "off_topic"]


class Source(TypedDict):
    title: str
    url: str


class MessageSaved(TypedDict):
    type: Literal["message.saved"]
    client_id: str
    message_id: int
    text: str
    created_at: str


class PhotoItem(TypedDict):
    id: str
    url: str  # the photo view: only the conversation's customer and staff get the image
    width: int
    height: int
    llm_consent: bool  # the customer agreed that the assistant may look at it


class PhotoSaved(TypedDict):
    """A customer attached a photo (uploaded over HTTP): a message of its own in the conversation."""
    type: Literal["photo.saved"]
    client_id: str
    message_id: int
    text: str
    created_at: str
    photo: PhotoItem


class ReplyStart(TypedDict):
    type: Literal["reply.start"]
    reply_id: int
    in_reply_to: int


class ReplyChunk(TypedDict):
    type: Literal["reply.chunk"]
    reply_id: int
    text: str


class ReplyEnd(TypedDict):
    type: Literal["reply.end"]
    reply_id: int
    in_reply_to: int
    route: RouteName
    intent: str
    sources: list[Source]
    text: str


class ReplyFailed(TypedDict):
    type: Literal["reply.failed"]
    reply_id: int
    message: str


class Handoff(TypedDict):
    type: Literal["handoff"]
    status: str
    message: str
    note: NotRequired[str]  # the queue or away line alone, shown visibly in the widget
    agent: NotRequired[str]  # "claimed": who holds the chat, so the header keeps their name


class AgentMessage(TypedDict):
    type: Literal["agent.message"]
    message_id: int
    agent: str  # the colleague's first name (or username): shown with their initials, read out as them
    text: str
    created_at: NotRequired[str]


class AgentJoined(TypedDict):
    type: Literal["agent.joined"]
    agent: str


class SystemLine(TypedDict):
    """A line about who is in the chat ("Sam joined the chat."), shown as a system line, not a bubble."""
    type: Literal["system.line"]
    message_id: int
    text: str
    intent: str
    created_at: str


class ConversationStarted(TypedDict):
    """The customer's question started a new conversation after `previous_id` ended: every socket of
    the ended one follows it there (`messages`: what a socket that did not send the question missed)."""
    type: Literal["conversation.started"]
    conversation_id: str
    previous_id: str
    client_id: NotRequired[str]
    messages: NotRequired[list]


class Typing(TypedDict):
    type: Literal["typing"]
    who: Literal["customer", "agent"]
    name: NotRequired[str]


class Seen(TypedDict):
    """The customer looked at the open chat: every tab of theirs clears its unread badge and title."""
    type: Literal["seen"]


class ErrorEvent(TypedDict):
    type: Literal["error"]
    code: str
    message: str
    client_id: NotRequired[str]


ServerEvent = (MessageSaved | PhotoSaved | ReplyStart | ReplyChunk | ReplyEnd | ReplyFailed | Handoff | AgentMessage
               | AgentJoined | SystemLine | Typing | Seen | ConversationStarted)


def conversation_group(conversation_id: uuid.UUID | str) -> str:
    return f"conversation.{uuid.UUID(str(conversation_id)).hex}"


def staff_group(conversation_id: uuid.UUID | str) -> str:
    """What only staff watching a conversation see: internal notes, the customer typing."""
    return f"staff.{uuid.UUID(str(conversation_id)).hex}"


CONSOLE_GROUP = "console.queue"


def session_group(session_key: str) -> str:
    """Every socket opened by one signed-in browser session, customer's or staff's."""
    return f"session.{session_key}"


# Sends from synchronous code (worker threads, the Celery worker) run on one long-lived
# event loop per process: the server's own loop in daphne (the in-memory layer's queues
# belong to it), or a background loop elsewhere, so channels_redis keeps its
# connections instead of opening new ones for every send.
_server_loop: asyncio.AbstractEventLoop | None = None
_sender_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def register_server_loop(loop: asyncio.AbstractEventLoop) -> None:
    global _server_loop
    with _loop_lock:
        if _server_loop is None or _server_loop.is_closed():
            _server_loop = loop
            # The threads that save and answer messages, sized on purpose: more threads
            # take the GIL from the event loop that relays every event (32 made replies
            # wait seconds for delivery on 2 cores); 8 keeps both busy.
            loop.set_default_executor(ThreadPoolExecutor(max_workers=settings.SERVER_THREADS,
                                                         thread_name_prefix="chat"))


def _loop_for_sending() -> asyncio.AbstractEventLoop:
    global _sender_loop
    with _loop_lock:
        if _server_loop is not None and not _server_loop.is_closed() and _server_loop.is_running():
            return _server_loop
        if _sender_loop is None or _sender_loop.is_closed():
            _sender_loop = asyncio.new_event_loop()
            threading.Thread(target=_sender_loop.run_forever, name="realtime-sender", daemon=True).start()
        return _sender_loop


def _payload(events: tuple[ServerEvent, ...]) -> dict:
    return {"type": "chat.event", "events": list(events)}


async def conversation_send_async(conversation_id: uuid.UUID | str, *events: ServerEvent) -> None:
    await group_send_async(conversation_group(conversation_id), *events)


async def group_send_async(group: str, *events: dict) -> None:
    await get_channel_layer().group_send(group, _payload(events))  # type: ignore[arg-type]


def conversation_send(conversation_id: uuid.UUID | str, *events: ServerEvent) -> None:
    """Send `events`, in order and in one hop, to every socket of the conversation, from synchronous code."""
    _group_send(conversation_group(conversation_id), *events)


def staff_send(conversation_id: uuid.UUID | str, *events: dict) -> None:
    _group_send(staff_group(conversation_id), *events)


def session_end(session_key: str) -> None:
    """The session signed out: its sockets close, so none keeps the rights it had."""
    _layer_send(session_group(session_key), {"type": "session.ended"})


def console_send(*events: dict) -> None:
    """To every open staff console: the queue changed."""
    _group_send(CONSOLE_GROUP, *events)


def _group_send(group: str, *events: dict) -> None:
    _layer_send(group, _payload(events))  # type: ignore[arg-type]


def _layer_send(group: str, message: dict) -> None:
    loop = _loop_for_sending()
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    send = get_channel_layer().group_send(group, message)
    if running is loop:  # called on the loop itself: nothing may block it
        loop.create_task(send)
        return
    asyncio.run_coroutine_threadsafe(send, loop).result(timeout=10)
