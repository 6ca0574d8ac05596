"""The only place that sends to WebSocket groups.

Every event a customer's socket receives is one of the typed payloads below, sent to
the conversation's group so that each open tab or device of that conversation, and
a reply produced by a Celery worker in another process, reach the same sockets.
"""
from __future__ import annotations

import asyncio
import threading
import uuid
from typing import Literal, NotRequired, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

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


class AgentMessage(TypedDict):
    type: Literal["agent.message"]
    message_id: int
    agent: str
    text: str


class ErrorEvent(TypedDict):
    type: Literal["error"]
    code: str
    message: str
    client_id: NotRequired[str]


ServerEvent = MessageSaved | ReplyStart | ReplyChunk | ReplyEnd | ReplyFailed | Handoff | AgentMessage


def conversation_group(conversation_id: uuid.UUID | str) -> str:
    return f"conversation.{uuid.UUID(str(conversation_id)).hex}"


# The in-memory layer's queues belong to the server's event loop; a sender on another
# thread (the embedded Celery worker) must hand its send to that loop.
_server_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def register_server_loop(loop: asyncio.AbstractEventLoop) -> None:
    global _server_loop
    with _loop_lock:
        if _server_loop is None or _server_loop.is_closed():
            _server_loop = loop


async def conversation_send_async(conversation_id: uuid.UUID | str, event: ServerEvent) -> None:
    await get_channel_layer().group_send(conversation_group(conversation_id), {"type": "chat.event", "event": event})


def conversation_send(conversation_id: uuid.UUID | str, event: ServerEvent) -> None:
    """Send `event` to every socket of the conversation, from synchronous code."""
    layer = get_channel_layer()
    group, payload = conversation_group(conversation_id), {"type": "chat.event", "event": event}
    loop = _server_loop
    if isinstance(layer, InMemoryChannelLayer) and loop is not None and not loop.is_closed():
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not loop:
            asyncio.run_coroutine_threadsafe(layer.group_send(group, payload), loop).result(timeout=10)
            return
    async_to_sync(layer.group_send)(group, payload)
