"""The only place that sends to WebSocket groups.

Every event a customer's socket receives is one of the typed payloads of `support.events`,
sent to the conversation's group so that each open tab or device of that conversation, and
a reply produced by a Celery worker in another process, reach the same sockets.
"""
from __future__ import annotations

import asyncio
import threading
import uuid

from channels.layers import get_channel_layer

from support.events import ConsoleEvent, ServerEvent, StaffEvent

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
    """The loop this process's sockets run on, for sends from synchronous code (its thread pool is
    sized at start-up: `shoppe.startup.chat_threads_size`)."""
    global _server_loop
    with _loop_lock:
        if _server_loop is None or _server_loop.is_closed():
            _server_loop = loop


def _loop_for_sending() -> asyncio.AbstractEventLoop:
    global _sender_loop
    with _loop_lock:
        if _server_loop is not None and not _server_loop.is_closed() and _server_loop.is_running():
            return _server_loop
        if _sender_loop is None or _sender_loop.is_closed():
            _sender_loop = asyncio.new_event_loop()
            threading.Thread(target=_sender_loop.run_forever, name="realtime-sender", daemon=True).start()
        return _sender_loop


def _payload(events: tuple[ServerEvent | StaffEvent | ConsoleEvent, ...],
             conversation_id: uuid.UUID | str | None = None) -> dict:
    """The layer's message; `conversation` names the conversation the events are about, so that a console that
    has moved on to another one since they were sent can tell (support/console.py)."""
    payload: dict = {"type": "chat.event", "events": list(events)}
    if conversation_id is not None:
        payload["conversation"] = str(conversation_id)
    return payload


async def conversation_send_async(conversation_id: uuid.UUID | str, *events: ServerEvent) -> None:
    await get_channel_layer().group_send(conversation_group(conversation_id), _payload(events, conversation_id))


def conversation_send(conversation_id: uuid.UUID | str, *events: ServerEvent) -> None:
    """Send `events`, in order and in one hop, to every socket of the conversation, from synchronous code."""
    _layer_send(conversation_group(conversation_id), _payload(events, conversation_id))


def staff_send(conversation_id: uuid.UUID | str, *events: StaffEvent) -> None:
    _layer_send(staff_group(conversation_id), _payload(events, conversation_id))


def session_end(session_key: str) -> None:
    """The session signed out: its sockets close, so none keeps the rights it had."""
    _layer_send(session_group(session_key), {"type": "session.ended"})


def conversation_adopted(conversation_id: uuid.UUID | str) -> None:
    """A visitor's conversation became a signed-in customer's, or its reply link moved it to another browser:
    the sockets opened without signing in close.

    They spoke for a browser session that no longer owns it; the owner's sockets join afresh.
    """
    _layer_send(conversation_group(conversation_id), {"type": "conversation.adopted"})


def console_send(*events: ConsoleEvent) -> None:
    """To every open staff console: the queue changed."""
    _group_send(CONSOLE_GROUP, *events)


def _group_send(group: str, *events: ServerEvent | StaffEvent | ConsoleEvent) -> None:
    _layer_send(group, _payload(events))


def _layer_send(group: str, message: dict) -> None:
    loop = _loop_for_sending()
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    send = get_channel_layer().group_send(group, message)
    try:
        if running is loop:  # called on the loop itself: nothing may block it
            loop.create_task(send)
            return
        delivered = asyncio.run_coroutine_threadsafe(send, loop)
    except RuntimeError:  # the loop is closed (the process is stopping): the send never starts
        send.close()
        raise
    delivered.result(timeout=10)
