"""What the escalation asks of a model and gets back, whichever service runs it.

A provider (`support/llm/gemini.py`, `support/llm/openai_compatible.py`) turns a
`ModelRequest` into its own wire format, streams the answer back as `Chunk`s, and turns
its client library's failures into the exceptions below. Everything above it (retries,
time-outs, budgets, PII, guardrails, tools, streaming to the customer, the log row) lives
once, in `support/llm/retries.py` and `support/services/escalation.py`, and never knows
which provider is in use. `LLM_PROVIDER` chooses one.
"""
from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from django.conf import settings

# --- the request ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Image:
    """A photo the customer attached and agreed the model may see: the stored bytes (re-encoded
    from the pixels, no EXIF, GPS or other metadata), never the upload as sent."""

    mime_type: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class Turn:
    """One message of the conversation as the model sees it (already redacted), with any photos it carries."""

    role: Literal["customer", "assistant"]
    text: str
    images: tuple[Image, ...] = ()


@dataclass(frozen=True, eq=False)  # hashed by identity: providers cache their declarations per spec
class ToolSpec:
    """A tool the model may call; `parameters` is the JSON Schema of its arguments."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class ToolCall:
    """The model asking for a tool. `call_id` pairs it with its result (OpenAI-style APIs need it);
    `raw` is the provider's own form of the call, sent back as it came (Gemini's thought signatures)."""

    name: str
    args: dict[str, Any]
    call_id: str = ""
    raw: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class ToolRound:
    """The model's tool calls in one turn and what the backend answered to each, in order."""

    calls: tuple[ToolCall, ...]
    results: tuple[dict[str, Any], ...]


@dataclass
class ModelRequest:
    """Everything one call sends: the system prompt, the turns (tool rounds appended as they
    happen) and the tools offered (none: the model answers from the request alone)."""

    system: str
    turns: list[Turn | ToolRound]
    tools: list[ToolSpec]
    temperature: float = 0.3
    max_output_tokens: int = 700


# --- the streamed answer --------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Usage:
    """Tokens the call used so far; the last one a stream yields counts."""

    input_tokens: int
    output_tokens: int


@dataclass(frozen=True)
class Finish:
    """Why the model stopped, in the provider's words (`STOP`, `stop`, `tool_calls`, `length`...)."""

    reason: str


Chunk = Text | ToolCall | Usage | Finish


def has_content(chunk: Chunk) -> bool:
    """Text or a tool call: what counts as the first token (retries stop here)."""
    return isinstance(chunk, ToolCall) or (isinstance(chunk, Text) and bool(chunk.text))


# --- failures, the same for every provider --------------------------------------------------
# The class name is what EscalationLog.error_class records, so ops see one vocabulary (and the
# names Gemini's rows always had) whichever provider failed.

RETRYABLE_STATUS = {408, 429, 500, 502, 503, 504}


class LLMCallFailed(Exception):
    """The model's server or the connection to it failed."""

    def __init__(self, message: str, *, status: int | None = None, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after_s = retry_after_s  # what the server asked us to wait, if it said

    @property
    def retryable(self) -> bool:
        return True


class ClientError(LLMCallFailed):
    """A 4xx: retried only for 408 and 429 (honouring the server's delay)."""

    @property
    def retryable(self) -> bool:
        return self.status in RETRYABLE_STATUS


class ServerError(LLMCallFailed):
    """A 5xx, or an error the server reported inside the stream."""

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status in RETRYABLE_STATUS or self.status >= 500


class ReadTimeout(LLMCallFailed):
    """Nothing arrived for LLM_FIRST_TOKEN_TIMEOUT_S, before the first token or between chunks."""


class ConnectionLost(LLMCallFailed):
    """The server could not be reached, or hung up half way through."""


class MalformedReply(LLMCallFailed):
    """The server sent something that is not its protocol; asking again is unlikely to help."""

    @property
    def retryable(self) -> bool:
        return False


# --- the providers --------------------------------------------------------------------------


class Provider(Protocol):
    name: str

    @property
    def model(self) -> str:
        """The model it calls, as EscalationLog records it."""

    def missing(self) -> str | None:
        """Why it cannot be called at all (a handoff reason), or None."""

    def stream(self, request: ModelRequest) -> Iterator[Chunk]:
        """One call, streamed; raises an LLMCallFailed subclass for any failure, at any point."""


PROVIDER_MODULES = {"gemini": "support.llm.gemini", "openai-compatible": "support.llm.openai_compatible"}


def provider_get() -> Provider:
    """The provider LLM_PROVIDER names (its client library imported only when chosen)."""
    return importlib.import_module(PROVIDER_MODULES[settings.LLM_PROVIDER]).provider
