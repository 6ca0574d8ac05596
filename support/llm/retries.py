"""Calling the model, for every provider: retries before the first token, time-outs, concurrency.

Retries (429 and 408, 5xx, read time-outs and lost connections) happen only before the
first token, with exponential backoff and jitter, honouring the server's retry delay when
it sends one. Once text has reached the customer nothing is retried silently: the error
goes to the caller, who hands the conversation to a person.
"""
from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator

from django.conf import settings

from support.llm.provider import Chunk, LLMCallFailed, ModelRequest, Provider, has_content


class LLMUnavailable(Exception):
    """The call failed before any text arrived, after the allowed retries."""

    def __init__(self, cause: BaseException, retries: int) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.retries = retries


_lock = threading.Lock()
_concurrency: threading.BoundedSemaphore | None = None


def concurrency_slot() -> threading.BoundedSemaphore:
    """At most LLM_MAX_CONCURRENCY calls at once in this worker process."""
    global _concurrency
    with _lock:
        if _concurrency is None:
            _concurrency = threading.BoundedSemaphore(settings.LLM_MAX_CONCURRENCY)
        return _concurrency


def backoff_delay(attempt: int, error: LLMCallFailed | None = None) -> float:
    if error is not None and error.retry_after_s is not None:
        return min(error.retry_after_s, settings.LLM_RETRY_MAX_S)
    ceiling = min(settings.LLM_RETRY_MAX_S, settings.LLM_RETRY_BASE_S * (2**attempt))
    return random.uniform(ceiling / 2, ceiling)  # jitter, so retries from many workers spread out


def model_stream(
    provider: Provider, request: ModelRequest, *, on_retry: Callable[[BaseException], None],
    sleep: Callable[[float], None] = time.sleep, deadline: float | None = None,
) -> Iterator[Chunk]:
    """Yield the answer's chunks; raise LLMUnavailable when nothing arrived after the retries.

    `deadline` (a `time.perf_counter()` value): a retry starts only if its wait and a
    whole first-token time-out fit before it, so LLM_TOTAL_TIMEOUT_S bounds the retries too.
    Failures after the first token are raised as they are (LLMCallFailed subclasses).
    """
    attempt = 0
    while True:
        before_content: list[Chunk] = []
        chunks = provider.stream(request)
        try:
            for chunk in chunks:
                before_content.append(chunk)
                if has_content(chunk):
                    break
        except LLMCallFailed as error:
            if not error.retryable or attempt >= settings.LLM_MAX_RETRIES:
                raise LLMUnavailable(error, attempt) from error
            delay = backoff_delay(attempt, error)
            if deadline is not None and time.perf_counter() + delay + settings.LLM_FIRST_TOKEN_TIMEOUT_S > deadline:
                raise LLMUnavailable(error, attempt) from error
            on_retry(error)
            sleep(delay)
            attempt += 1
            continue
        yield from before_content
        yield from chunks  # failures from here on come after the first token: not retried
        return
