"""A model the shop serves itself, behind the OpenAI-compatible chat API, through the openai client.

vLLM (`vllm serve`), Ollama (`/v1`), llama.cpp's `llama-server` and most gateways speak
`POST /v1/chat/completions` with `stream: true`: server-sent `chat.completion.chunk`
events whose deltas carry text or tool-call fragments, and, asked with
`stream_options.include_usage`, a last chunk with the token usage. This module turns a
ModelRequest into that request and the events into Text / ToolCall / Usage / Finish
chunks, and the client's errors into the provider-neutral failures. The client's own
retries are off: `support.llm.retries` does them, the same for every provider.

A model served without function calling: LLM_TOOLS=0 offers it none; a server that
answers a request with tools with a 400 about tools (Ollama: "... does not support
tools", vLLM without `--enable-auto-tool-choice`) is asked again at once without them,
and this process stops offering tools to that model.
"""
from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from typing import Any

import httpx2
import openai
from django.conf import settings

from support.llm.provider import (
    Chunk,
    ClientError,
    ConnectionLost,
    Finish,
    LLMCallFailed,
    MalformedReply,
    ModelRequest,
    ReadTimeout,
    ServerError,
    Text,
    ToolCall,
    ToolRound,
    Turn,
    Usage,
)

log = logging.getLogger(__name__)
# Servers without authentication still need the client to send some key (Ollama's documented "ollama").
NO_KEY = "unused"

_clients: dict[tuple[str, str, float], openai.OpenAI] = {}
_without_tools: set[tuple[str, str]] = set()  # (server, model) that refused tools, in this process
_lock = threading.Lock()


def openai_client() -> openai.OpenAI:
    key = (settings.LLM_BASE_URL, settings.LLM_API_KEY, settings.LLM_FIRST_TOKEN_TIMEOUT_S)
    with _lock:
        if key not in _clients:
            _clients[key] = openai.OpenAI(
                base_url=settings.LLM_BASE_URL, api_key=settings.LLM_API_KEY or NO_KEY, max_retries=0,
                # Per read, like Gemini's: before the first chunk and between chunks.
                timeout=httpx2.Timeout(settings.LLM_FIRST_TOKEN_TIMEOUT_S))
        return _clients[key]


def _content(turn: Turn) -> str | list[dict[str, Any]]:
    """The turn's text, or text and image parts when it carries photos (data URLs: nothing is fetched)."""
    if not turn.images:
        return turn.text
    return [{"type": "text", "text": turn.text}, *(
        {"type": "image_url", "image_url": {"url": f"data:{image.mime_type};base64,{base64.b64encode(image.data).decode()}"}}
        for image in turn.images)]


def messages_of(request: ModelRequest) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = [{"role": "system", "content": request.system}]
    for turn in request.turns:
        if isinstance(turn, Turn):
            messages.append({"role": "user" if turn.role == "customer" else "assistant", "content": _content(turn)})
        elif isinstance(turn, ToolRound):
            messages.append({"role": "assistant", "content": "", "tool_calls": [
                {"id": call.call_id, "type": "function",
                 "function": {"name": call.name, "arguments": json.dumps(call.args)}} for call in turn.calls]})
            messages += [{"role": "tool", "tool_call_id": call.call_id, "content": json.dumps(result)}
                         for call, result in zip(turn.calls, turn.results)]
    return messages


def _tools_of(request: ModelRequest) -> list[dict[str, Any]]:
    return [{"type": "function", "function": {"name": tool.name, "description": tool.description,
                                              "parameters": tool.parameters}} for tool in request.tools]


def _retry_after(response: httpx2.Response | None) -> float | None:
    """The server's `retry-after-ms`, or `Retry-After` in seconds or as a date."""
    headers = response.headers if response is not None else {}
    try:
        if headers.get("retry-after-ms"):
            return float(headers["retry-after-ms"]) / 1000
        value = headers.get("retry-after")
        if not value:
            return None
        try:
            return max(float(value), 0.0)
        except ValueError:
            return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError, OverflowError):
        return None


def _failure(error: Exception) -> LLMCallFailed:
    """The client's exception as the provider-neutral one."""
    if isinstance(error, openai.APIStatusError):
        kind = ClientError if 400 <= error.status_code < 500 else ServerError
        return kind(str(error), status=error.status_code, retry_after_s=_retry_after(error.response))
    if isinstance(error, (openai.APITimeoutError, httpx2.TimeoutException)):
        return ReadTimeout(str(error) or "no data within LLM_FIRST_TOKEN_TIMEOUT_S")
    if isinstance(error, (openai.APIConnectionError, httpx2.TransportError)):
        return ConnectionLost(str(error))
    if isinstance(error, openai.APIError):  # an error event inside the stream
        code = error.code if isinstance(error.code, int) else None
        kind = ClientError if code is not None and 400 <= code < 500 else ServerError
        return kind(str(error), status=code)
    return MalformedReply(str(error))  # ValueError: an event that is not JSON


def _refuses_tools(error: Exception) -> bool:
    return isinstance(error, openai.BadRequestError) and "tool" in str(error).lower()


class OpenAICompatibleProvider:
    name = "openai-compatible"

    @property
    def model(self) -> str:
        return settings.LLM_MODEL

    def missing(self) -> str | None:
        return None if settings.LLM_BASE_URL and settings.LLM_MODEL else "llm_not_configured"

    def stream(self, request: ModelRequest) -> Iterator[Chunk]:
        client = openai_client()
        server = (settings.LLM_BASE_URL, settings.LLM_MODEL)
        arguments: dict[str, Any] = {
            "model": settings.LLM_MODEL, "messages": messages_of(request), "stream": True,
            "stream_options": {"include_usage": True}, "temperature": request.temperature,
            "max_tokens": request.max_output_tokens,
        }
        if request.tools and server not in _without_tools:
            arguments["tools"] = _tools_of(request)
        try:
            try:
                events = client.chat.completions.create(**arguments)
            except openai.BadRequestError as error:
                if "tools" not in arguments or not _refuses_tools(error):
                    raise
                log.warning("%s at %s refused tools (%s); asking it without them from now on",
                            server[1], server[0], error)
                _without_tools.add(server)
                del arguments["tools"]
                events = client.chat.completions.create(**arguments)
            yield from self._chunks(events)
        except (openai.OpenAIError, ValueError, httpx2.TransportError) as error:
            raise _failure(error) from error

    @staticmethod
    def _chunks(events: Any) -> Iterator[Chunk]:
        """Text as it comes; tool calls once their fragments are complete (at the finish, or the end)."""
        calls: dict[int, dict[str, str]] = {}

        def finished_calls() -> Iterator[ToolCall]:
            for index, call in sorted(calls.items()):
                try:
                    args = json.loads(call["arguments"] or "{}")
                except ValueError:
                    args = {"arguments": call["arguments"]}  # answered "bad arguments" by the tool runner
                yield ToolCall(name=call["name"], args=args if isinstance(args, dict) else {},
                               call_id=call["id"] or f"call_{index}")
            calls.clear()

        for event in events:
            if event.usage is not None:
                yield Usage(event.usage.prompt_tokens or 0, event.usage.completion_tokens or 0)
            for choice in event.choices or []:
                delta = choice.delta
                if delta is not None and delta.content:
                    yield Text(delta.content)
                for fragment in (delta.tool_calls or []) if delta is not None else []:
                    # vLLM sends the id and name once, then argument fragments; Ollama each call whole.
                    index = fragment.index if fragment.index is not None else (
                        len(calls) if fragment.id else max(calls, default=0))
                    call = calls.setdefault(index, {"id": "", "name": "", "arguments": ""})
                    call["id"] = call["id"] or fragment.id or ""
                    if fragment.function is not None:
                        call["name"] = call["name"] or fragment.function.name or ""
                        call["arguments"] += fragment.function.arguments or ""
                if choice.finish_reason:
                    yield from finished_calls()
                    yield Finish(choice.finish_reason)
        yield from finished_calls()  # a server that never said it finished


provider = OpenAICompatibleProvider()
