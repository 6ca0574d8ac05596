"""The customer's chat socket: `/ws/chat/`. Thin: each event calls one service."""
from __future__ import annotations

import asyncio
import json
import logging
import math
import time
import uuid
from collections import deque
from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.utils import translation
from django.utils.translation import gettext_lazy, ngettext

from shoppe.readiness import GETTING_READY, readiness
from support import events, realtime
from support.models import Message
from support.selectors import conversation_has_ended, conversation_history, conversation_is_a_visitors, conversation_team
from support.services.away import conversation_seen, customer_site_remember, reply_email_plan, unread_count
from support.services.conversations import LINK_OWNER_KEY, conversation_follow, conversation_for_socket, message_receive
from support.services.device_answers import (
    CHECK_FAILED,
    DeviceClaim,
    DeviceRefused,
    device_answer_announce,
    device_answer_check,
    device_answer_of,
    device_answer_save,
    device_claim_read,
    device_refusal_record,
    server_device_version,
    texts_kept_off_server,
)
from support.services.device_status import device_status_record
from support.services.feedback import feedback_receive
from support.services.language import conversation_language, page_language_remember, text_language
from support.services.presence import customer_socket_close, customer_socket_open
from support.services.recovery import lease_kept, message_hold
from support.services.replies import message_answer
from support.services.typing import TYPING_ALLOWED_EVERY_S, customer_typing
from support.sockets import (
    CLOSE_FORBIDDEN,
    CLOSE_TOO_MANY_CONNECTIONS,
    ClosesOnSignOut,
    FrameRejected,
    OncePer,
    event_id,
    frame_read,
)
from support.throttle import address_allows, client_address, seconds_to_next_minute

log = logging.getLogger(__name__)

DEVICE_STATUS_EVERY_S = 5.0  # a widget reports its device assistant once per page load


def _seconds(wait: float) -> str:
    """The real wait in words ('in 56 seconds'), not 'in a moment' for most of a minute."""
    whole = max(1, math.ceil(int(wait * 1000) / 1000))  # the same whole seconds as retry_after_ms
    return ngettext("%(count)s second", "%(count)s seconds", whole) % {"count": whole}


class ChatConsumer(ClosesOnSignOut):
    conversation_id: uuid.UUID | None = None
    _told_ready: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        realtime.register_server_loop(asyncio.get_running_loop())
        self.address = client_address(self.scope)
        if not address_allows(address=self.address, action="connect",
                              per_minute=settings.CHAT_CONNECTIONS_PER_MINUTE_PER_ADDRESS):
            await self.refuse(CLOSE_TOO_MANY_CONNECTIONS)
            return
        query = parse_qs(self.scope.get("query_string", b"").decode())
        requested = (query.get("conversation") or [None])[0]
        try:
            conversation = await database_sync_to_async(conversation_for_socket, thread_sensitive=False)(
                user=self.scope["user"], session=self.scope["session"], requested_id=requested, address=self.address
            )
        except PermissionDenied:
            await self.refuse(CLOSE_FORBIDDEN)
            return
        self.conversation_id = conversation.id
        self.page_language = (query.get("lang") or [""])[0][:16]  # the storefront page's, for messages too short to tell
        self._sent_at: deque[float] = deque()
        self._typing = OncePer(TYPING_ALLOWED_EVERY_S)
        self._seen = OncePer(0.25)  # a widget says it once per reply it shows; more is noise
        self._device_status = OncePer(DEVICE_STATUS_EVERY_S)
        self._answering: set[asyncio.Task[None]] = set()
        await self.channel_layer.group_add(realtime.conversation_group(conversation.id), self.channel_name)
        await self.session_join()
        await self.accept()
        await database_sync_to_async(self._present)(conversation.id)
        self._earlier: list[uuid.UUID] = []  # conversations this socket showed before it followed the customer on
        history = await database_sync_to_async(conversation_history)(conversation_id=conversation.id)
        team = await database_sync_to_async(conversation_team)(conversation_id=conversation.id)
        unread = await database_sync_to_async(unread_count)(conversation_id=conversation.id)
        # Ended (resolved, or idle): the widget shows it above a "New conversation" line.
        ended = bool(history) and await database_sync_to_async(conversation_has_ended)(conversation_id=conversation.id)
        # The device assistant's version the server takes answers from ("" none): an older one is replaced.
        device = {"version": await database_sync_to_async(server_device_version, thread_sensitive=False)()}
        await self._send({"type": "history", "conversation_id": str(conversation.id), "messages": history, "team": team,
                          "unread": unread, "ended": ended, "device": device})
        if readiness.starting:
            # The widget says so; what the customer sends meanwhile is saved and answered once ready.
            await self._send({"type": "assistant.status", "ready": False, "message": GETTING_READY})
            self._told_ready = asyncio.create_task(self._tell_when_ready())

    def _present(self, conversation_id: uuid.UUID) -> None:
        """While this socket is open the team's replies are not emailed; links in emails point at this site."""
        customer_socket_open(conversation_id=conversation_id, channel_name=self.channel_name)
        origin = dict(self.scope.get("headers") or []).get(b"origin", b"").decode("latin-1")
        if origin:  # the same site, checked by SameOriginValidator before the socket got here
            customer_site_remember(conversation_id=conversation_id, origin=origin)
        if self.page_language:
            page_language_remember(conversation_id=conversation_id, code=self.page_language)

    def _absent(self, conversation_id: uuid.UUID) -> None:
        customer_socket_close(channel_name=self.channel_name)
        reply_email_plan(conversation_id=conversation_id)  # left with the team's replies unread: they follow by email

    async def _tell_when_ready(self) -> None:
        await readiness.wait_async()
        await self._send({"type": "assistant.status", "ready": True})

    async def disconnect(self, code: int) -> None:
        if self._told_ready is not None:
            self._told_ready.cancel()
        if self.conversation_id is not None:
            await self.channel_layer.group_discard(realtime.conversation_group(self.conversation_id), self.channel_name)
            try:
                await database_sync_to_async(self._absent, thread_sensitive=False)(self.conversation_id)
            except Exception:  # noqa: BLE001 - a closing socket must close; its row lapses with the lease
                log.warning("could not record that a socket of conversation %s closed", self.conversation_id,
                            exc_info=True)
        await self.session_leave()
        # Replies being produced are not cancelled: they are saved and shown on return.

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # First of all: does this socket still speak for the customer who opened it?
        if not await self.still_signed_in():
            return
        try:
            content = frame_read(text_data, bytes_data)
        except FrameRejected as rejected:
            await self.send_error(rejected)
            return
        handler = {"customer.message": self.on_customer_message, "ping": self.on_ping,
                   "typing": self.on_typing, "feedback": self.on_feedback, "seen": self.on_seen,
                   "device.status": self.on_device_status}.get(content["type"])
        if handler is None:
            await self._error("unknown_type", gettext_lazy("Unknown message type %(type)s."),
                              params={"type": repr(content["type"][:40])})
            return
        await handler(content)

    async def conversation_adopted(self, event: dict[str, Any]) -> None:
        """Its conversation became a signed-in customer's (`realtime.conversation_adopted`): a socket opened
        without signing in no longer speaks for its owner."""
        if self.signed_in_user_id is None:
            await self.close(code=CLOSE_FORBIDDEN)

    async def on_ping(self, content: dict[str, Any]) -> None:
        await self._send({"type": "pong"})

    async def on_seen(self, content: dict[str, Any]) -> None:
        """The customer has the open chat in front of them: the team's replies are read, through the newest
        message the widget shows (`through`, optional)."""
        try:
            through = event_id(content, "through") if content.get("through") is not None else None
        except ValueError:
            await self._error("bad_seen", gettext_lazy("That message id could not be read."))
            return
        # Once per 0.25 s for each reply named: a widget says it once per reply it shows, and the next reply's is heard.
        if self._seen.allows(f"through {through}"):
            await database_sync_to_async(conversation_seen)(conversation_id=self.conversation_id, through=through)

    async def on_typing(self, content: dict[str, Any]) -> None:
        """The customer is typing: only staff watching the conversation hear it, at most every 2 s."""
        if self._typing.allows("conversation"):
            await database_sync_to_async(customer_typing)(conversation_id=self.conversation_id)

    async def on_device_status(self, content: dict[str, Any]) -> None:
        """The widget's on-device assistant is ready, or the server answers instead and why: kept for ops."""
        if not self._device_status.allows("status"):
            return  # a widget says it once per page load; more is noise
        try:
            await database_sync_to_async(device_status_record, thread_sensitive=False)(
                conversation_id=self.conversation_id, event=content)
        except ValueError:
            await self._error("bad_device_status", gettext_lazy("That device status could not be read."))

    async def on_feedback(self, content: dict[str, Any]) -> None:
        """The customer rates one reply (thumbs up/down) or the whole conversation (1-5)."""
        if self._rate_limit_wait() is not None:
            await self._error("rate_limited", gettext_lazy("You're sending very fast. Please wait a moment."))
            return
        try:
            feedback = await database_sync_to_async(feedback_receive)(
                conversation_id=self.conversation_id, event=content, earlier=self._earlier
            )
        except (PermissionDenied, ValueError) as exc:
            # The service's reason (lazy), read here in the customer's language.
            await self._error("bad_feedback", (exc.args[0] if exc.args and exc.args[0] else None)
                              or gettext_lazy("That rating could not be saved."))
            return
        await self._send({"type": "feedback.saved", "reply_id": feedback.message_id,
                          "conversation": feedback.message_id is None, "score": feedback.score})

    def _still_this_visitors(self) -> bool:
        """A visitor's socket: its conversation is still its browser's (the session is read in this thread)."""
        return conversation_is_a_visitors(conversation_id=self.conversation_id,
                                          link_owner=self.scope["session"].get(LINK_OWNER_KEY, ""))

    async def _unavailable(self, client_id: uuid.UUID, text: str) -> None:
        """Nothing was saved (the database is away); the widget keeps the message and sends it again."""
        await self._error("unavailable", gettext_lazy("We couldn't save your message just now. Retrying…"),
                          client_id, retry_after=settings.CHAT_RETRY_AFTER_MS / 1000, text=text)

    async def on_customer_message(self, content: dict[str, Any]) -> None:
        raw_client_id = content.get("client_id")
        try:
            client_id = uuid.UUID(str(raw_client_id)) if raw_client_id else uuid.uuid4()
        except ValueError:
            await self._error("bad_client_id", gettext_lazy("client_id must be a UUID."))
            return
        text = content.get("text")
        if not isinstance(text, str) or not text.strip():
            await self._error("empty_text", gettext_lazy("Please type a message."), client_id)
            return
        if len(text) > settings.CHAT_MAX_MESSAGE_CHARS:
            await self._error(
                "text_too_long", gettext_lazy("Messages can be at most %(limit)s characters."), client_id,
                params={"limit": settings.CHAT_MAX_MESSAGE_CHARS}, text=text[:2000]
            )
            return
        if self.signed_in_user_id is None:
            try:
                still_mine = await database_sync_to_async(self._still_this_visitors)()
            except DatabaseError:  # the check reads the database too: away, the message is kept for a resend
                await self._unavailable(client_id, text)
                return
            if not still_mine:
                # Adopted into an account, or moved to the browser that opened its reply link, since this visitor's
                # socket opened (its close event may be on the way).
                await self.close(code=CLOSE_FORBIDDEN)
                return
        retry_after = self._rate_limit_wait()
        if retry_after is not None:
            await self._error("rate_limited", gettext_lazy("You're sending messages very fast. We'll send this one in "
                                                           "%(wait)s."), client_id, retry_after=retry_after,
                              params={"wait": lambda: _seconds(retry_after)}, text=text)
            return
        claim, passage, refused = None, None, ""
        if content.get("device") is not None:
            # Answered on the customer's device: taken only if the server agrees (else it answers itself).
            try:
                claim = device_claim_read(content["device"])
                passage = await database_sync_to_async(device_answer_check, thread_sensitive=False)(
                    conversation_id=self.conversation_id, claim=claim, text=text.strip())
            except DeviceRefused as refusal:
                refused = refusal.reason
            except Exception:  # noqa: BLE001 - the server answers it instead; the message is never lost
                log.exception("checking the device's answer failed; the server answers the message")
                claim, passage, refused = None, None, CHECK_FAILED
        try:
            # Any free thread will do (not Channels' one shared database thread, which all
            # sockets would queue for): this socket's next event waits for this one anyway.
            kept_on_device = passage is not None and texts_kept_off_server()
            message, created = await database_sync_to_async(message_receive, thread_sensitive=False)(
                conversation_id=self.conversation_id, text="" if kept_on_device else text.strip(), client_id=client_id
            )
        except DatabaseError:
            await self._unavailable(client_id, text)
            return
        if message.conversation_id != self.conversation_id:
            # The conversation had ended: this question started the next one. Follow it there first,
            # so the acknowledgement and the reply (sent to the new conversation) reach this socket.
            await self._follow(message.conversation_id, client_id=client_id)
        try:
            # A resend (after a reconnect, or replayed by another tab) says whether it is answered already,
            # so that no widget waits for an answer that came before.
            await realtime.conversation_send_async(
                self.conversation_id,
                events.message_saved(client_id=str(client_id), message_id=message.id, text=message.text,
                                     created_at=message.created_at.isoformat(),
                                     answered=not created and message.status != Message.Status.RECEIVED),
            )
        finally:
            if refused:
                # The widget withdraws what its device showed: the server's own answer follows.
                await self._send({"type": "device.answer.refused", "client_id": str(client_id), "reason": refused})
            if created:  # answered even if the acknowledgement could not be sent: a resend is only deduplicated
                task = asyncio.create_task(
                    self._device_answer(message, claim, passage, client_id) if claim and passage is not None
                    else self._answer(message.id, device_refused=refused, claim=claim))
                self._answering.add(task)
                task.add_done_callback(self._answering.discard)
            elif passage is not None:
                await self._device_answer_again(message, client_id)

    async def _device_answer(self, message: Any, claim: DeviceClaim, passage: Any, client_id: uuid.UUID) -> None:
        """Save the answer the device showed, from the server's own passage; if that fails, the server answers."""
        try:
            await database_sync_to_async(device_answer_save, thread_sensitive=False)(
                message=message, claim=claim, passage=passage, client_id=client_id)
        except DatabaseError:
            log.warning("could not save the device's answer to message %s; the server answers it", message.id,
                        exc_info=True)
            await self._answer(message.id)

    async def _device_answer_again(self, message: Any, client_id: uuid.UUID) -> None:
        """A resend (after a reconnect) of a message answered on the device: the widget hears it is saved."""
        reply = await database_sync_to_async(device_answer_of, thread_sensitive=False)(message_id=message.id)
        if reply is not None:
            await database_sync_to_async(device_answer_announce, thread_sensitive=False)(
                message=message, reply=reply, client_id=client_id)

    async def _answer(self, message_id: int, *, device_refused: str = "", claim: DeviceClaim | None = None) -> None:
        """Answer a saved message, off the event loop, so this socket keeps relaying the reply as it streams.

        While the process is still getting its assistant ready, the message is held (no sweep
        takes it for a dead process's) and answered once it is, without a thread waiting meanwhile.
        """
        if device_refused:
            await database_sync_to_async(device_refusal_record, thread_sensitive=False)(
                message_id=message_id, claim=claim, reason=device_refused)
        if not readiness.starting:
            await sync_to_async(message_answer, thread_sensitive=False)(message_id=message_id)
            return
        holder = await database_sync_to_async(message_hold, thread_sensitive=False)(message_id=message_id)
        if holder is None:
            return  # answered or held elsewhere meanwhile
        with lease_kept(holder):
            await readiness.wait_async()
            await sync_to_async(message_answer, thread_sensitive=False)(message_id=message_id, holder=holder)

    async def chat_event(self, event: dict[str, Any]) -> None:
        for payload in event["events"]:
            if payload.get("type") == "typing" and payload.get("who") == "customer":
                continue
            if payload.get("type") == "conversation.started":
                # Another tab or device asked the next question: this socket follows the customer too.
                if payload.get("previous_id") == str(self.conversation_id):
                    await self._follow(uuid.UUID(payload["conversation_id"]), client_id=None)
                continue
            await self._send(payload)

    async def _follow(self, conversation_id: uuid.UUID, *, client_id: uuid.UUID | None) -> None:
        """Move this socket from its ended conversation to the one that follows it.

        The socket that sent the question tells the ended conversation's other sockets (other tabs,
        a console watching it); each of those gets what it missed from the database, read after it
        joined the new conversation's group, so nothing falls between the two.
        """
        previous = self.conversation_id
        assert previous is not None
        await self.channel_layer.group_discard(realtime.conversation_group(previous), self.channel_name)
        await self.channel_layer.group_add(realtime.conversation_group(conversation_id), self.channel_name)
        self.conversation_id = conversation_id
        self._earlier = [previous, *self._earlier][:5]
        await database_sync_to_async(conversation_follow, thread_sensitive=False)(
            session=self.scope["session"], conversation_id=conversation_id, address=self.address)
        if self.page_language:
            await database_sync_to_async(page_language_remember, thread_sensitive=False)(
                conversation_id=conversation_id, code=self.page_language)
        started = events.conversation_started(conversation_id=str(conversation_id), previous_id=str(previous),
                                              client_id=None if client_id is None else str(client_id))
        if client_id is not None:
            await self._send({**started, "messages": []})
            await realtime.conversation_send_async(previous, started)
        else:
            history = await database_sync_to_async(conversation_history)(conversation_id=conversation_id)
            await self._send({**started, "messages": history})

    def _rate_limit_wait(self) -> float | None:
        """None if this connection and its address may send now, else the seconds to wait."""
        now = time.monotonic()
        while self._sent_at and now - self._sent_at[0] > 60:
            self._sent_at.popleft()
        if len(self._sent_at) >= settings.CHAT_MESSAGES_PER_MINUTE:
            return 60 - (now - self._sent_at[0])
        if not address_allows(address=self.address, action="message",
                              per_minute=settings.CHAT_MESSAGES_PER_MINUTE_PER_ADDRESS):
            return seconds_to_next_minute()
        self._sent_at.append(now)
        return None

    async def _language(self, text: str | None = None) -> str:
        """The language to tell this customer something in: that of what they just typed, else the conversation's."""
        code = text_language(text) if text else None
        if code is None:
            try:
                code = await database_sync_to_async(conversation_language, thread_sensitive=False)(self.conversation_id)
            except DatabaseError:
                code = "en-gb"
        return code

    async def send_error(self, rejected: FrameRejected) -> None:
        language = await self._language()
        with translation.override(language):
            rejected.message = str(rejected.message)
        await super().send_error(rejected)

    async def _error(self, code: str, message: Any, client_id: uuid.UUID | None = None, *,
                     retry_after: float | None = None, params: dict[str, Any] | None = None,
                     text: str | None = None) -> None:
        """`message`: a (lazy) text, with `params` filled in, read in the customer's language (`text`: what they typed)."""
        with translation.override(await self._language(text)):
            values = {k: v() if callable(v) else v for k, v in (params or {}).items()}
            message = str(message) % values if params else str(message)
        event: dict[str, Any] = {"type": "error", "code": code, "message": message}
        if client_id:
            event["client_id"] = str(client_id)
        if retry_after is not None:
            # The widget keeps the message and resends it after this many milliseconds.
            event["retry_after_ms"] = max(100, int(retry_after * 1000))
        await self._send(event)

    async def _send(self, payload: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(payload, default=str))
