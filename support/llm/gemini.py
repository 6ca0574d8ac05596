"""Calling Gemini through google-genai: one client per process, retries before the first token.

Retries (429, 5xx, time-outs and connection errors) happen only before the first
token, with exponential backoff and jitter, honouring the server's retry delay when
it sends one. Once text has reached the customer nothing is retried silently: the
error goes to the caller, who hands the conversation to a person.
"""
from __future__ import annotations

import json
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx2
from django.conf import settings
from google import genai
from google.genai import errors, types

RETRYABLE_STATUS = {408, 429, 500, 502, 503, 504}
TRANSPORT_ERRORS = (httpx2.TimeoutException, httpx2.NetworkError, httpx2.RemoteProtocolError)


class LLMUnavailable(Exception):
    """The call failed before any text arrived, after the allowed retries."""

    def __init__(self, cause: BaseException, retries: int) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.retries = retries


_clients: dict[tuple[str, str, float], genai.Client] = {}
_clients_lock = threading.Lock()
_concurrency: threading.BoundedSemaphore | None = None


def gemini_client() -> genai.Client:
    key = (settings.GEMINI_API_KEY, settings.GEMINI_BASE_URL, settings.GEMINI_FIRST_TOKEN_TIMEOUT_S)
    with _clients_lock:
        if key not in _clients:
            options = types.HttpOptions(timeout=int(settings.GEMINI_FIRST_TOKEN_TIMEOUT_S * 1000))
            if settings.GEMINI_BASE_URL:
                options.base_url = settings.GEMINI_BASE_URL
            _clients[key] = genai.Client(api_key=settings.GEMINI_API_KEY, http_options=options)
        return _clients[key]


def concurrency_slot() -> threading.BoundedSemaphore:
    """At most GEMINI_MAX_CONCURRENCY calls at once in this worker process."""
    global _concurrency
    with _clients_lock:
        if _concurrency is None:
            _concurrency = threading.BoundedSemaphore(settings.GEMINI_MAX_CONCURRENCY)
        return _concurrency


def generation_config(*, system_instruction: str, tools: list[types.Tool]) -> types.GenerateContentConfig:
    return types.GenerateContentConfig(
        system_instruction=system_instruction,
        tools=tools,
        temperature=0.3,
        max_output_tokens=700,
        thinking_config=types.ThinkingConfig(thinking_budget=settings.GEMINI_THINKING_BUDGET),
        automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
    )


def _retryable(error: BaseException) -> bool:
    if isinstance(error, errors.APIError):
        return error.code in RETRYABLE_STATUS
    return isinstance(error, TRANSPORT_ERRORS)


def _server_retry_delay(error: BaseException) -> float | None:
    """The delay a 429 asks for (google.rpc.RetryInfo), in seconds."""
    details = getattr(error, "details", None)
    # google-genai gives the error body as a dict; its str() would have single quotes.
    text = json.dumps(details) if isinstance(details, (dict, list)) else str(details or "")
    found = re.search(r'"retryDelay":\s*"(\d+(?:\.\d+)?)s"', text)
    return float(found.group(1)) if found else None


def backoff_delay(attempt: int, error: BaseException | None = None) -> float:
    server = _server_retry_delay(error) if error is not None else None
    if server is not None:
        return min(server, settings.GEMINI_RETRY_MAX_S)
    ceiling = min(settings.GEMINI_RETRY_MAX_S, settings.GEMINI_RETRY_BASE_S * (2**attempt))
    return random.uniform(ceiling / 2, ceiling)  # jitter, so retries from many workers spread out


def stream_generate(
    *, contents: list[types.Content], config: types.GenerateContentConfig, on_retry: Callable[[BaseException], None],
    sleep: Callable[[float], None] = time.sleep, deadline: float | None = None,
) -> Iterator[Any]:
    """Yield response chunks; raise LLMUnavailable when nothing arrived after the retries.

    `deadline` (a `time.perf_counter()` value): a retry starts only if its wait and a
    whole first-token time-out fit before it, so GEMINI_TOTAL_TIMEOUT_S bounds the
    retries too.
    """
    client = gemini_client()
    attempt = 0
    while True:
        before_content: list[Any] = []
        try:
            chunks = client.models.generate_content_stream(model=settings.GEMINI_MODEL, contents=contents, config=config)
            for chunk in chunks:
                before_content.append(chunk)
                if has_content(chunk):
                    break
        except (errors.APIError, ValueError, *TRANSPORT_ERRORS) as error:
            if not _retryable(error) or attempt >= settings.GEMINI_MAX_RETRIES:
                raise LLMUnavailable(error, attempt) from error
            delay = backoff_delay(attempt, error)
            if deadline is not None and time.perf_counter() + delay + settings.GEMINI_FIRST_TOKEN_TIMEOUT_S > deadline:
                raise LLMUnavailable(error, attempt) from error
            on_retry(error)
            sleep(delay)
            attempt += 1
            continue
        yield from before_content
        yield from chunks  # errors from here on come after the first token: not retried
        return


def has_content(chunk: Any) -> bool:
    """Whether a chunk carries text or a function call (not just usage or an empty part)."""
    if not chunk.candidates or not chunk.candidates[0].content:
        return False
    return any(part.text or part.function_call for part in chunk.candidates[0].content.parts or [])
