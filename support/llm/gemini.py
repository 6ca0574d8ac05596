"""The Gemini provider, through google-genai: one client per process, the SDK's own retries off.

Speaks `support.llm.provider`: a ModelRequest becomes Gemini contents, the stream's parts
become Text / ToolCall / Usage / Finish chunks, and the SDK's errors become the
provider-neutral failures. Retries and time-outs are `support.llm.retries`'.
"""
from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from functools import lru_cache

import httpx2
from django.conf import settings
from google import genai
from google.genai import errors, types

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
    ToolSpec,
    Turn,
    Usage,
)

_clients: dict[tuple[str, str, float], genai.Client] = {}
_clients_lock = threading.Lock()


def gemini_client() -> genai.Client:
    key = (settings.GEMINI_API_KEY, settings.GEMINI_BASE_URL, settings.LLM_FIRST_TOKEN_TIMEOUT_S)
    with _clients_lock:
        if key not in _clients:
            # The SDK's timeout is per read: before the first chunk and between chunks.
            options = types.HttpOptions(timeout=int(settings.LLM_FIRST_TOKEN_TIMEOUT_S * 1000))
            if settings.GEMINI_BASE_URL:
                options.base_url = settings.GEMINI_BASE_URL
            _clients[key] = genai.Client(api_key=settings.GEMINI_API_KEY, http_options=options)
        return _clients[key]


@lru_cache(maxsize=8)
def _declarations(tools: tuple[ToolSpec, ...]) -> list[types.Tool]:
    return [types.Tool(function_declarations=[types.FunctionDeclaration(
        name=tool.name, description=tool.description, parameters=_schema(tool.parameters)) for tool in tools])]


def _schema(schema: dict) -> types.Schema:
    """A JSON Schema (the small subset the shop's tools use) as Gemini's OpenAPI-style Schema."""
    return types.Schema(type=schema["type"].upper(), description=schema.get("description"),
                        properties={name: _schema(sub) for name, sub in schema.get("properties", {}).items()} or None,
                        required=schema.get("required"))


def generation_config(request: ModelRequest) -> types.GenerateContentConfig:
    return types.GenerateContentConfig(
        system_instruction=request.system,
        tools=_declarations(tuple(request.tools)) if request.tools else None,
        temperature=request.temperature,
        max_output_tokens=request.max_output_tokens,
        thinking_config=types.ThinkingConfig(thinking_budget=settings.GEMINI_THINKING_BUDGET),
        automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
    )


def contents_of(request: ModelRequest) -> list[types.Content]:
    contents: list[types.Content] = []
    for turn in request.turns:
        if isinstance(turn, Turn):
            role = "user" if turn.role == "customer" else "model"
            images = [types.Part.from_bytes(data=image.data, mime_type=image.mime_type) for image in turn.images]
            contents.append(types.Content(role=role, parts=[types.Part(text=turn.text), *images]))
        elif isinstance(turn, ToolRound):
            asked = [call.raw if isinstance(call.raw, types.Part)
                     else types.Part(function_call=types.FunctionCall(name=call.name, args=call.args))
                     for call in turn.calls]
            answered = [types.Part.from_function_response(name=call.name, response=result)
                        for call, result in zip(turn.calls, turn.results)]
            contents += [types.Content(role="model", parts=asked), types.Content(role="user", parts=answered)]
    return contents


def _server_retry_delay(error: errors.APIError) -> float | None:
    """The delay a 429 asks for (google.rpc.RetryInfo), in seconds."""
    details = getattr(error, "details", None)
    # google-genai gives the error body as a dict; its str() would have single quotes.
    text = json.dumps(details) if isinstance(details, (dict, list)) else str(details or "")
    found = re.search(r'"retryDelay":\s*"(\d+(?:\.\d+)?)s"', text)
    return float(found.group(1)) if found else None


def _failure(error: Exception) -> LLMCallFailed:
    """The SDK's exception as the provider-neutral one."""
    if isinstance(error, errors.APIError):
        kind = ClientError if 400 <= (error.code or 0) < 500 else ServerError
        return kind(str(error), status=error.code, retry_after_s=_server_retry_delay(error))
    if isinstance(error, httpx2.TimeoutException):
        return ReadTimeout(str(error) or "no data within LLM_FIRST_TOKEN_TIMEOUT_S")
    if isinstance(error, (httpx2.NetworkError, httpx2.RemoteProtocolError)):
        return ConnectionLost(str(error))
    return MalformedReply(str(error))  # ValueError: a body or event that is not Gemini's JSON


class GeminiProvider:
    name = "gemini"

    @property
    def model(self) -> str:
        return settings.GEMINI_MODEL

    def missing(self) -> str | None:
        return None if settings.GEMINI_API_KEY else "no_api_key"

    def stream(self, request: ModelRequest) -> Iterator[Chunk]:
        client = gemini_client()  # kept referenced while streaming: the SDK closes a collected client
        try:
            for chunk in client.models.generate_content_stream(
                    model=settings.GEMINI_MODEL, contents=contents_of(request), config=generation_config(request)):
                candidate = chunk.candidates[0] if chunk.candidates else None
                for part in (candidate.content.parts or []) if candidate and candidate.content else []:
                    if part.function_call:
                        yield ToolCall(name=part.function_call.name or "", args=dict(part.function_call.args or {}),
                                       call_id=part.function_call.id or "", raw=part)
                    elif part.text and not part.thought:
                        yield Text(part.text)
                if chunk.usage_metadata:
                    yield Usage(chunk.usage_metadata.prompt_token_count or 0,
                                chunk.usage_metadata.candidates_token_count or 0)
                if candidate and candidate.finish_reason:
                    yield Finish(str(candidate.finish_reason.value if hasattr(candidate.finish_reason, "value")
                                     else candidate.finish_reason))
        except (errors.APIError, ValueError, httpx2.TimeoutException, httpx2.NetworkError,
                httpx2.RemoteProtocolError) as error:
            raise _failure(error) from error


provider = GeminiProvider()
