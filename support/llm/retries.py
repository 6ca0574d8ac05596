"""Calling the model, for every provider: retries before the first token, time-outs, concurrency.

Retries (429 and 408, 5xx, read time-outs and lost connections) happen only before the
first token, with exponential backoff and jitter, honouring the server's retry delay when
it sends one (tenacity runs them; this module says which, how long to wait and when to stop).
Once text has reached the customer nothing is retried silently: the error goes to the
caller, who hands the conversation to a person.
"""
from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from tenacity import RetryCallState, Retrying, retry_if_exception

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


def _first_content(provider: Provider, request: ModelRequest) -> tuple[list[Chunk], Iterator[Chunk]]:
    """One attempt: the stream read up to its first content (what a retry may repeat), and the rest."""
    chunks = provider.stream(request)
    before_content: list[Chunk] = []
    for chunk in chunks:
        before_content.append(chunk)
        if has_content(chunk):
            break
    return before_content, chunks


def _retryable(error: BaseException) -> bool:
    return isinstance(error, LLMCallFailed) and error.retryable


def _backoff(state: RetryCallState) -> float:
    error = state.outcome.exception() if state.outcome else None
    return backoff_delay(state.attempt_number - 1, error if isinstance(error, LLMCallFailed) else None)


def model_stream(
    provider: Provider, request: ModelRequest, *, on_retry: Callable[[BaseException], None],
    sleep: Callable[[float], None] = time.sleep, deadline: float | None = None,
) -> Iterator[Chunk]:
    """Yield the answer's chunks; raise LLMUnavailable when nothing arrived after the retries.

    `deadline` (a `time.perf_counter()` value): a retry starts only if its wait and a
    whole first-token time-out fit before it, so LLM_TOTAL_TIMEOUT_S bounds the retries too.
    Failures after the first token are raised as they are (LLMCallFailed subclasses).
    """
    retries = 0

    def out_of_retries(state: RetryCallState) -> bool:
        past_deadline = (deadline is not None and
                         time.perf_counter() + state.upcoming_sleep + settings.LLM_FIRST_TOKEN_TIMEOUT_S > deadline)
        return state.attempt_number > settings.LLM_MAX_RETRIES or past_deadline

    def before_retry(state: RetryCallState) -> None:
        nonlocal retries
        retries += 1
        on_retry(state.outcome.exception())  # type: ignore[union-attr, arg-type]

    # The wait is worked out before the stop is asked, so the deadline sees the wait it would take.
    attempts = Retrying(retry=retry_if_exception(_retryable), wait=_backoff, stop=out_of_retries,
                        before_sleep=before_retry, sleep=sleep, reraise=True)
    try:
        before_content, chunks = attempts(_first_content, provider, request)
    except LLMCallFailed as error:  # not retryable, or out of retries or time
        raise LLMUnavailable(error, retries) from error
    yield from before_content
    yield from chunks  # failures from here on come after the first token: not retried
