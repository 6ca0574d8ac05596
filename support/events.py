"""Every event the server sends to a group of sockets: its shape, and one keyword-only builder per event.

A customer's sockets (the widget, in every tab) receive the `ServerEvent`s; staff watching a
conversation also receive the `StaffEvent`s, and every open console the `ConsoleEvent`s.
Services build events only through these functions and hand them to `support.realtime`, the
only sender, so an event's fields are checked where it is made:

    realtime.conversation_send(conversation_id, events.reply_start(reply_id=reply.id, in_reply_to=message.id))

Answers to one socket's own request (its history, a pong, an error) are built by that socket.
"""
from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

RouteName = Literal["local", "llm", "human", "off_topic"]


class Source(TypedDict):
    title: str
    url: str


class PhotoItem(TypedDict):
    id: str
    url: str  # the photo view: only the conversation's customer and staff get the image
    width: int
    height: int
    llm_consent: bool  # the customer agreed that the assistant may look at it


# What a customer's sockets receive.

class MessageSaved(TypedDict):
    type: Literal["message.saved"]
    client_id: str
    message_id: int
    text: str
    created_at: str
    answered: NotRequired[bool]  # a resend of a message answered already: no answer is coming


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
    in_reply_to: int  # 0: a line of the assistant's own (a handoff handed back, a refund decided)


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
    note: str  # the queue or away line alone, shown visibly in the widget ("" when there is none)
    position: NotRequired[int]  # the place in the queue, while queued
    agent: NotRequired[str]  # "claimed": who holds the chat, so the header keeps their name


class AgentMessage(TypedDict):
    type: Literal["agent.message"]
    message_id: int
    agent: str  # the colleague's first name (or username): shown with their initials, read out as them
    text: str
    created_at: str


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
    messages: NotRequired[list[dict]]


class Typing(TypedDict):
    type: Literal["typing"]
    who: Literal["customer", "agent"]
    name: NotRequired[str]


class Seen(TypedDict):
    """The customer looked at the open chat: every tab of theirs clears its unread badge and title."""
    type: Literal["seen"]


class DeviceAnswerSaved(TypedDict):
    """The help answer the customer's device showed at once is the record (issue #19): the widget that
    answered keeps its bubble (and rates it by `reply_id`); other tabs show this reply. `text` is the
    server's own passage ("" with `text_kept_on_device`: the texts stayed on the device)."""
    type: Literal["device.answer.saved"]
    client_id: str
    message_id: int
    reply_id: int
    intent: str
    sources: list[Source]
    text: str
    text_kept_on_device: bool


ServerEvent = (MessageSaved | PhotoSaved | ReplyStart | ReplyChunk | ReplyEnd | ReplyFailed | Handoff | AgentMessage
               | AgentJoined | SystemLine | Typing | Seen | ConversationStarted | DeviceAnswerSaved)


# What staff watching a conversation receive besides the customer's events.

class NoteAdded(TypedDict):
    """An internal note: staff only, never the customer."""
    type: Literal["note.added"]
    note: dict


class RefundUpdated(TypedDict):
    type: Literal["refund.updated"]
    refund: dict


StaffEvent = NoteAdded | RefundUpdated | Typing


# What every open console receives: the queue changed.

class HandoffNew(TypedDict):
    type: Literal["handoff.new"]
    handoff: dict


class HandoffUpdated(TypedDict):
    type: Literal["handoff.updated"]
    handoff: dict


class RefundAwaiting(TypedDict):
    """A refund waits for a supervisor's second approval."""
    type: Literal["refund.awaiting"]
    refund: dict


ConsoleEvent = HandoffNew | HandoffUpdated | RefundAwaiting


# The builders: one per event, keyword arguments only.

def message_saved(*, client_id: str, message_id: int, text: str, created_at: str,
                  answered: bool = False) -> MessageSaved:
    saved: MessageSaved = {"type": "message.saved", "client_id": client_id, "message_id": message_id, "text": text,
                           "created_at": created_at}
    if answered:
        saved["answered"] = True
    return saved


def photo_saved(*, client_id: str, message_id: int, text: str, created_at: str, photo: PhotoItem) -> PhotoSaved:
    return {"type": "photo.saved", "client_id": client_id, "message_id": message_id, "text": text,
            "created_at": created_at, "photo": photo}


def reply_start(*, reply_id: int, in_reply_to: int) -> ReplyStart:
    return {"type": "reply.start", "reply_id": reply_id, "in_reply_to": in_reply_to}


def reply_chunk(*, reply_id: int, text: str) -> ReplyChunk:
    return {"type": "reply.chunk", "reply_id": reply_id, "text": text}


def reply_end(*, reply_id: int, in_reply_to: int, route: RouteName, intent: str, sources: list[Source],
              text: str) -> ReplyEnd:
    return {"type": "reply.end", "reply_id": reply_id, "in_reply_to": in_reply_to, "route": route, "intent": intent,
            "sources": sources, "text": text}


def reply_failed(*, reply_id: int, message: str) -> ReplyFailed:
    return {"type": "reply.failed", "reply_id": reply_id, "message": message}


def handoff(*, status: str, message: str, note: str = "", position: int | None = None,
            agent: str | None = None) -> Handoff:
    event: Handoff = {"type": "handoff", "status": status, "message": message, "note": note}
    if position is not None:
        event["position"] = position
    if agent is not None:
        event["agent"] = agent
    return event


def agent_message(*, message_id: int, agent: str, text: str, created_at: str) -> AgentMessage:
    return {"type": "agent.message", "message_id": message_id, "agent": agent, "text": text, "created_at": created_at}


def agent_joined(*, agent: str) -> AgentJoined:
    return {"type": "agent.joined", "agent": agent}


def system_line(*, message_id: int, text: str, intent: str, created_at: str) -> SystemLine:
    return {"type": "system.line", "message_id": message_id, "text": text, "intent": intent, "created_at": created_at}


def conversation_started(*, conversation_id: str, previous_id: str, client_id: str | None = None,
                         messages: list[dict] | None = None) -> ConversationStarted:
    event: ConversationStarted = {"type": "conversation.started", "conversation_id": conversation_id,
                                  "previous_id": previous_id}
    if client_id is not None:
        event["client_id"] = client_id
    if messages is not None:
        event["messages"] = messages
    return event


def device_answer_saved(*, client_id: str, message_id: int, reply_id: int, intent: str, sources: list[Source],
                        text: str, text_kept_on_device: bool) -> DeviceAnswerSaved:
    return {"type": "device.answer.saved", "client_id": client_id, "message_id": message_id, "reply_id": reply_id,
            "intent": intent, "sources": sources, "text": text, "text_kept_on_device": text_kept_on_device}


def typing(*, who: Literal["customer", "agent"], name: str | None = None) -> Typing:
    event: Typing = {"type": "typing", "who": who}
    if name is not None:
        event["name"] = name
    return event


def seen() -> Seen:
    return {"type": "seen"}


def note_added(*, note: dict) -> NoteAdded:
    return {"type": "note.added", "note": note}


def refund_updated(*, refund: dict) -> RefundUpdated:
    return {"type": "refund.updated", "refund": refund}


def handoff_new(*, handoff: dict) -> HandoffNew:
    return {"type": "handoff.new", "handoff": handoff}


def handoff_updated(*, handoff: dict) -> HandoffUpdated:
    return {"type": "handoff.updated", "handoff": handoff}


def refund_awaiting(*, refund: dict) -> RefundAwaiting:
    return {"type": "refund.awaiting", "refund": refund}
