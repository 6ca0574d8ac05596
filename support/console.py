"""The staff console: `/console/` (the page) and `/ws/console/` (its live socket).

Ops have a read-only view; support agents and supervisors work handoffs and decide
refunds. Every write event checks its permission in the service it calls.
"""
from __future__ import annotations

import asyncio
import json
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from support import realtime
from support.console_selectors import (
    canned_responses_active,
    conversation_detail,
    handoff_agents,
    handoff_queue,
    refund_orders_offered,
)
from support.conversation_language import LANGUAGE_NAMES
from support.models import WORKING_LANGUAGES, Conversation, Handoff, Message, RefundRequest
from support.roles import can_view_console, can_view_ops, can_work_handoffs
from support.selectors import agent_language
from support.services import handoff as handoffs
from support.services.agent_settings import agent_language_set
from support.services import translation
from support.services.console_refunds import refund_request_from_console
from support.services.refunds import refund_decide, refund_quantity_set, refund_serialize, refunds_awaiting_supervisor
from support.services.typing import TYPING_ALLOWED_EVERY_S, agent_typing
from support.sockets import (
    CLOSE_FORBIDDEN,
    ClosesOnSignOut,
    FrameRejected,
    OncePer,
    event_id,
    event_quantities,
    event_text,
    event_uuid,
    frame_read,
)
from support.staff_pages import staff_page

# A console asks for the queue again at most once a second (static/console/queue.js); more is a loop or abuse.
QUEUE_REFRESH_EVERY_S = 0.5


@staff_page(can_view_console)
def console_page(request: HttpRequest) -> HttpResponse:
    return render(request, "support/console.html", {
        "can_work": can_work_handoffs(request.user),
        # Ops and supervisors reach the ops pages from here (session 35's walkthrough: ops landed on the console,
        # whose only link was Admin, and had to type /ops/).
        "can_view_ops": can_view_ops(request.user),
        "reasons": Handoff.Reason.choices, "priorities": Handoff.Priority.choices,
        "canned": canned_responses_active(),
        # The translate buttons exist only when the LLM can be asked (a key or a server is set).
        "can_translate": translation.translation_available(),
        "agents": handoff_agents(),
        # The language this agent works in: customer messages are translated into it, drafts from it.
        "agent_language": agent_language(agent=request.user), "working_languages": WORKING_LANGUAGES,
        # What one reply or note, and a rejection's note, may hold (the socket cuts a reply or note there too).
        "max_message_chars": settings.CONSOLE_MAX_MESSAGE_CHARS,
        "max_reject_note_chars": settings.CONSOLE_MAX_REJECT_NOTE_CHARS,
    })


@staff_page(can_view_console)
@require_POST
def console_language(request: HttpRequest) -> HttpResponse:
    """The signed-in agent sets their own working language (the console header's select posts here).

    Only ever their own: the form names a language, never a user. The console's script asks for
    JSON; the form without script comes back to the console.
    """
    try:
        language = agent_language_set(agent=request.user, language=request.POST.get("language", ""))
    except ValidationError as invalid:
        return JsonResponse({"error": " ".join(invalid.messages)}, status=400)
    if "application/json" not in request.headers.get("Accept", ""):
        return redirect("console")
    return JsonResponse({"language": language, "language_name": LANGUAGE_NAMES[language]})


class ConsoleConsumer(ClosesOnSignOut):
    watching: str | None = None

    async def connect(self) -> None:
        realtime.register_server_loop(asyncio.get_running_loop())
        user = self.scope["user"]
        if not await database_sync_to_async(can_view_console)(user):
            await self.refuse(CLOSE_FORBIDDEN)
            return
        self._typing = OncePer(TYPING_ALLOWED_EVERY_S)
        self._queue_refresh = OncePer(QUEUE_REFRESH_EVERY_S)
        await self.channel_layer.group_add(realtime.CONSOLE_GROUP, self.channel_name)
        await self.session_join()
        await self.accept()
        await self._send_queue()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(realtime.CONSOLE_GROUP, self.channel_name)
        await self.session_leave()
        await self._unwatch()

    def may_stay(self, user: AbstractBaseUser) -> bool:
        # An agent removed from their role keeps no console open either.
        return can_view_console(user)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # Rights are checked on every event, not only at connect: an agent removed from
        # their role, deactivated, signed out or whose password changed loses them at once.
        if not await self.still_signed_in():
            return
        try:
            content = frame_read(text_data, bytes_data)
        except FrameRejected as rejected:
            await self.send_error(rejected)
            return
        handler = getattr(self, "on_" + content["type"].replace(".", "_"), None)
        if handler is None:
            await self._error("unknown_type", f"Unknown event type {content['type'][:40]!r}.")
            return
        try:
            await handler(content)
        except PermissionDenied as denied:
            await self._error("forbidden", str(denied) or "Not allowed.")
        except handoffs.HandoffTaken as taken:
            await self._error("already_claimed", str(taken))
        except handoffs.RefundPending as pending:
            await self._error("refund_pending", str(pending))
        except translation.TranslationUnavailable as unavailable:
            await self._error("translation_unavailable", str(unavailable))
        except ValidationError as invalid:
            await self._error("invalid", " ".join(invalid.messages))
        except (ValueError, Conversation.DoesNotExist, Handoff.DoesNotExist, RefundRequest.DoesNotExist,
                Message.DoesNotExist):
            await self._error("invalid", "That event is missing something or names something that doesn't exist.")

    async def on_queue_refresh(self, content: dict) -> None:
        """The console took (or saw taken) a waiting handoff while more wait than it was sent: the next to take."""
        if self._queue_refresh.allows("queue"):
            await self._send_queue()

    async def _send_queue(self) -> None:
        # With the handoffs, the supervisors' queue: refunds with one approval waiting for the second (#15 item 2).
        # Events while it is read wait behind it on this socket, so none is overwritten by an older queue.
        await self._send({"type": "queue", **await database_sync_to_async(handoff_queue)(),
                          "refunds_awaiting": await database_sync_to_async(refunds_awaiting_supervisor)()})

    async def on_conversation_open(self, content: dict) -> None:
        # Listening first, then reading: what happens while the detail is read comes after it, not lost (and the
        # console drops what it already has by id); what the previous conversation sends from now on is dropped
        # by `chat_event`.
        conversation_id = event_uuid(content, "conversation_id")
        await self._unwatch()
        self.watching = str(conversation_id)
        await self.channel_layer.group_add(realtime.conversation_group(conversation_id), self.channel_name)
        await self.channel_layer.group_add(realtime.staff_group(conversation_id), self.channel_name)
        try:
            detail = await database_sync_to_async(conversation_detail)(conversation_id=conversation_id)
        except Conversation.DoesNotExist:
            await self._unwatch()
            raise
        await self._send({"type": "conversation.detail", **detail})

    async def on_handoff_claim(self, content: dict) -> None:
        await database_sync_to_async(handoffs.handoff_claim)(handoff_id=event_id(content, "handoff_id"),
                                                             agent=self.scope["user"])

    async def on_agent_message(self, content: dict) -> None:
        await database_sync_to_async(handoffs.agent_reply)(
            conversation_id=event_uuid(content, "conversation_id"), agent=self.scope["user"],
            text=event_text(content, "text")[:settings.CONSOLE_MAX_MESSAGE_CHARS])

    async def on_note_add(self, content: dict) -> None:
        await database_sync_to_async(handoffs.agent_note_add)(
            conversation_id=event_uuid(content, "conversation_id"), agent=self.scope["user"],
            text=event_text(content, "text")[:settings.CONSOLE_MAX_MESSAGE_CHARS])

    async def on_handoff_transfer(self, content: dict) -> None:
        await database_sync_to_async(handoffs.handoff_transfer)(
            handoff_id=event_id(content, "handoff_id"), agent=self.scope["user"],
            to_agent_id=event_id(content, "to_agent_id"))

    async def on_handoff_resolve(self, content: dict) -> None:
        await database_sync_to_async(handoffs.handoff_resolve)(handoff_id=event_id(content, "handoff_id"),
                                                               agent=self.scope["user"])

    async def on_refund_approve(self, content: dict) -> None:
        await database_sync_to_async(refund_decide)(refund_id=event_id(content, "refund_id"), user=self.scope["user"],
                                                    approve=True)

    async def on_refund_quantity(self, content: dict) -> None:
        """How many of an item the refund asks for, corrected before its first decision ("1 of 2 × Ceramic mug")."""
        await database_sync_to_async(refund_quantity_set)(
            refund_id=event_id(content, "refund_id"), item_id=event_id(content, "item_id"),
            quantity=event_id(content, "quantity"), user=self.scope["user"])

    async def on_refund_reject(self, content: dict) -> None:
        await database_sync_to_async(refund_decide)(
            refund_id=event_id(content, "refund_id"), user=self.scope["user"], approve=False,
            note=event_text(content, "note", default="")[:settings.CONSOLE_MAX_REJECT_NOTE_CHARS])

    async def on_refund_orders(self, content: dict) -> None:
        """The orders the refund form offers in a conversation, with what is left of each line, to this console."""
        conversation_id = event_uuid(content, "conversation_id")
        orders = await database_sync_to_async(refund_orders_offered)(conversation_id=conversation_id,
                                                                     agent=self.scope["user"])
        await self._send({"type": "refund.orders", "conversation_id": str(conversation_id), "orders": orders})

    async def on_refund_file(self, content: dict) -> None:
        """A refund agreed in the chat, filed by the agent: `refund.filed` to this console (the form closes); every
        console watching the conversation gets its `refund.updated`."""
        refund = await database_sync_to_async(refund_request_from_console)(
            conversation_id=event_uuid(content, "conversation_id"), order_number=event_id(content, "order"),
            quantities=event_quantities(content, "items"), agent=self.scope["user"],
            # a refund's reason is kept to a rejection's note's length (RefundRequest.reason: 2000)
            reason=event_text(content, "reason")[:settings.CONSOLE_MAX_REJECT_NOTE_CHARS])
        await self._send({"type": "refund.filed", "refund": await database_sync_to_async(refund_serialize)(refund)})

    async def on_message_translate(self, content: dict) -> None:
        """A customer message in the agent's working language, sent back to this console only."""
        result = await database_sync_to_async(translation.message_translate)(
            message_id=event_id(content, "message_id"), agent=self.scope["user"])
        await self._send({"type": "message.translated", **result})

    async def on_draft_translate(self, content: dict) -> None:
        """The agent's draft, from their working language into the customer's, back to this console's reply box:
        never sent on."""
        result = await database_sync_to_async(translation.draft_translate)(
            conversation_id=event_uuid(content, "conversation_id"), agent=self.scope["user"],
            text=event_text(content, "text")[:settings.CONSOLE_MAX_MESSAGE_CHARS])
        await self._send({"type": "draft.translated", **result})

    async def on_typing(self, content: dict) -> None:
        """The agent is typing: the customer sees it, at most every 2 s per conversation."""
        conversation_id = event_uuid(content, "conversation_id")
        if not await database_sync_to_async(can_work_handoffs)(self.scope["user"]):
            raise PermissionDenied("read-only console")
        if self._typing.allows(conversation_id.hex):
            await database_sync_to_async(agent_typing)(conversation_id=conversation_id, agent=self.scope["user"])

    async def chat_event(self, event: dict[str, Any]) -> None:
        about = event.get("conversation")
        if about is not None and about != self.watching:
            return  # sent to a conversation this console has left since (another one is open now)
        for payload in event["events"]:
            if payload.get("type") == "typing" and payload.get("who") == "agent":
                continue  # an agent's own typing, echoed by the conversation group
            await self._send({**payload, "conversation_id": about} if "conversation_id" not in payload and about
                             else payload)

    async def conversation_adopted(self, event: dict[str, Any]) -> None:
        """A visitor signed in (or a reply link moved the chat): the customer's sockets close, staff watch on."""

    async def _unwatch(self) -> None:
        if self.watching:
            await self.channel_layer.group_discard(realtime.conversation_group(self.watching), self.channel_name)
            await self.channel_layer.group_discard(realtime.staff_group(self.watching), self.channel_name)
            self.watching = None

    async def _error(self, code: str, message: str) -> None:
        await self._send({"type": "error", "code": code, "message": message})

    async def _send(self, payload: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(payload, default=str))
