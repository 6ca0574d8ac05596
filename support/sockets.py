"""What the chat socket and the staff console socket share.

- Reading a frame: every frame is checked before it is dispatched, so that nothing a
  client sends can crash a socket (close 1011); each problem is answered with an
  `error` event and the connection stays open.
- The signed-in session: a socket opened by a signed-in user re-checks, on every
  event, that the session still exists, the account is still active and the password
  has not changed since (the session's auth hash); otherwise it closes with 4401.
- Refusing a socket: accepted first, then closed with the code, because a browser
  never sees the code of a handshake that is refused (daphne answers it with HTTP 403).
"""
from __future__ import annotations

import json
import re
import time
import uuid
from itertools import accumulate
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from django.contrib.auth.models import AbstractBaseUser

from support import realtime
from support.roles import socket_user_current

CLOSE_SIGNED_OUT = 4401  # the session ended, the password changed or the account was closed: sign in again
CLOSE_FORBIDDEN = 4403  # not yours (someone else's conversation, or the console for a non-staff user)
CLOSE_TOO_MANY_CONNECTIONS = 4429  # this address opened too many sockets this minute: try again later

# No event comes near these: a customer message is at most CHAT_MAX_MESSAGE_CHARS characters
# (each at most 12 characters of JSON escapes), an agent's reply at most 4,000, and no event
# nests more than three levels or holds more than a few objects. All are checked before the
# frame is parsed: Python's json parser recurses once per level and fails with RecursionError
# past about 1,000.
MAX_FRAME_CHARS = 64 * 1024
MAX_NESTING = 20
MAX_LEVELS = 200  # objects and lists in one event

_JSON_STRING = re.compile(r'"[^"]*"')  # once escapes are gone, a string is quote, no quote, quote
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
_LEVEL = {"[": 1, "{": 1, "]": -1, "}": -1}


class FrameRejected(Exception):
    """A frame that is not an event this server can act on: answered with an `error` event."""

    def __init__(self, code: str, message: "str | Promise", client_id: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.client_id = code, message, client_id


def _nests_too_much(text: str) -> bool:
    """Whether `text` has more than MAX_NESTING levels, or more than MAX_LEVELS objects and lists, outside
    its strings: found without parsing, in C-speed string operations only (a regular expression that
    skips whole strings backtracks quadratically on a frame of escaped quotes: 20 s for 60 KB)."""
    if text.count("[") + text.count("{") <= MAX_NESTING:
        return False  # every event a client sends
    # Drop escaped backslashes first, then escaped quotes, then the strings themselves.
    bare = _JSON_STRING.sub("", text.replace("\\\\", "").replace('\\"', ""))
    levels = bare.count("[") + bare.count("{")
    if levels > MAX_LEVELS:
        return True
    brackets = _NOT_A_BRACKET.sub("", bare)
    return max(accumulate(map(_LEVEL.__getitem__, brackets)), default=0) > MAX_NESTING


def _storable(value: Any) -> bool:
    """False if any string in `value` (keys too) has a lone surrogate, which no database or socket can carry."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _without_nul(value: Any) -> Any:
    """`value` with NUL characters taken out of its strings: PostgreSQL cannot store them in text (a message with one
    failed to save, and the widget retried it for ever), and no one means one."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


def _client_id_of(content: dict[str, Any]) -> str | None:
    """The event's client_id if it is one, so the widget can drop the message it names."""
    raw = content.get("client_id")
    if not isinstance(raw, str):
        return None
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return None


def frame_read(text_data: str | None, bytes_data: bytes | None) -> dict[str, Any]:
    """The event in a frame: a JSON object whose `type` is a string. Raises FrameRejected otherwise."""
    if text_data is None:
        try:
            text_data = (bytes_data or b"").decode("utf-8")
        except UnicodeDecodeError:
            raise FrameRejected("bad_json", gettext_lazy("Messages must be JSON objects.")) from None
    if len(text_data) > MAX_FRAME_CHARS:
        raise FrameRejected("too_large", gettext_lazy("That message is far too large."))
    if _nests_too_much(text_data):
        raise FrameRejected("bad_json", gettext_lazy("Messages must be JSON objects (that one is nested too deeply)."))
    try:
        content = json.loads(text_data)
    except (ValueError, RecursionError):
        raise FrameRejected("bad_json", gettext_lazy("Messages must be JSON objects.")) from None
    if not isinstance(content, dict):
        raise FrameRejected("bad_json", gettext_lazy("Messages must be JSON objects."))
    if "\\u0000" in text_data:
        content = _without_nul(content)
    if not _storable(content):
        raise FrameRejected("bad_text", gettext_lazy("That text contains characters we can't read (a broken emoji?). "
                                        "Please type it again."), _client_id_of(content))
    if not isinstance(content.get("type"), str):
        raise FrameRejected("unknown_type", gettext_lazy("Every message needs a type."), _client_id_of(content))
    return content


def event_id(content: dict[str, Any], key: str) -> int:
    """A database id named in an event: a real positive integer (`true` is not refund 1)."""
    value = content.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise ValueError(f"{key} must be a number")
    return value


def event_quantities(content: dict[str, Any], key: str) -> dict[int, int]:
    """How many of each item an event names (`[{"item_id": 7, "quantity": 1}, ...]`), by item id, each item once.
    Any whole number passes: what may be asked for is the service's to say."""
    entries = content.get(key)
    if not isinstance(entries, list) or len(entries) > 100:
        raise ValueError(f"{key} must be a list of items")
    quantities: dict[int, int] = {}
    for entry in entries:
        item_id = event_id(entry if isinstance(entry, dict) else {}, "item_id")
        quantity = entry.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not -2**31 < quantity < 2**31:
            raise ValueError("quantity must be a number")
        if item_id in quantities:
            raise ValueError("an item is named twice")
        quantities[item_id] = quantity
    return quantities


def event_uuid(content: dict[str, Any], key: str) -> uuid.UUID:
    value = content.get(key)
    if not isinstance(value, str):
        raise ValueError(f"{key} must be an id")
    return uuid.UUID(value)


def event_text(content: dict[str, Any], key: str, *, default: str | None = None) -> str:
    value = content.get(key, default)
    if not isinstance(value, str):
        raise ValueError(f"{key} must be text")
    return value


class OncePer:
    """At most one event per `seconds` for each key: one connection's typing indicator."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._last: dict[str, float] = {}

    def allows(self, key: str) -> bool:
        now = time.monotonic()
        if now - self._last.get(key, float("-inf")) < self.seconds:
            return False
        if len(self._last) > 100:  # a console that watched many conversations: forget the old ones
            self._last = {k: t for k, t in self._last.items() if now - t < self.seconds}
        self._last[key] = now
        return True


class ClosesOnSignOut(AsyncWebsocketConsumer):
    """A socket (chat or console) that speaks for its signed-in user only while that sign-in holds.

    It closes with 4401 when its browser session signs out (at once, through the session's
    group) and, checked on every incoming event, when the session was deleted, the
    account deactivated or the password changed on another device.
    """

    session_key: str | None = None
    signed_in_user_id: int | None = None

    async def session_join(self) -> None:
        if self.scope["user"].is_authenticated:
            self.session_key = self.scope["session"].session_key
            self.signed_in_user_id = self.scope["user"].pk
            await self.channel_layer.group_add(realtime.session_group(self.session_key), self.channel_name)

    async def session_leave(self) -> None:
        if self.session_key:
            await self.channel_layer.group_discard(realtime.session_group(self.session_key), self.channel_name)

    async def session_ended(self, event: dict[str, Any]) -> None:
        """Signed out elsewhere: this socket no longer speaks for them."""
        await self.close(code=CLOSE_SIGNED_OUT)

    def may_stay(self, user: AbstractBaseUser) -> bool:
        """Whether `user` (as the database knows them now) may keep this socket; the console narrows it."""
        return True

    def _user_now(self) -> AbstractBaseUser | None:
        user = socket_user_current(session_key=self.session_key, user_id=self.signed_in_user_id)
        return user if user is not None and self.may_stay(user) else None

    async def still_signed_in(self) -> bool:
        """Re-check the sign-in this socket was opened with; close it with 4401 if it no longer holds.

        A socket opened by a visitor (not signed in) has no sign-in to lose.
        """
        if self.signed_in_user_id is None:
            return True
        user = await database_sync_to_async(self._user_now)()
        if user is None:
            await self.close(code=CLOSE_SIGNED_OUT)
            return False
        self.scope["user"] = user
        return True

    async def refuse(self, code: int) -> None:
        """Accept, then close with `code` at once: a browser sees the code, and nothing else is sent."""
        await self.accept()
        await self.close(code=code)

    async def send_error(self, rejected: FrameRejected) -> None:
        event: dict[str, Any] = {"type": "error", "code": rejected.code, "message": str(rejected.message)}
        if rejected.client_id:
            event["client_id"] = rejected.client_id
        await self.send(text_data=json.dumps(event))
