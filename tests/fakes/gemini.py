"""A local fake of the Gemini REST API (``generativelanguage.googleapis.com``).

Tests point the *real* ``google-genai`` SDK at this server through
``types.HttpOptions(base_url=server.base_url)`` and script what the "model"
answers. Standard library only (``http.server``, ``threading``, ``json``).

Quick start::

    from tests.fakes.gemini import FakeGemini, Reply

    with FakeGemini() as server:                      # binds 127.0.0.1:<free port>
        server.script(Reply.text(["Hello", " there"], prompt_tokens=120, output_tokens=8))
        client = genai.Client(
            api_key="test-key",
            http_options=types.HttpOptions(base_url=server.base_url),
        )
        for chunk in client.models.generate_content_stream(model="gemini-2.5-flash", contents="hi"):
            ...
        req = server.requests[0]
        assert req.api_key == "test-key" and req.model == "gemini-2.5-flash"

Protocol spoken
---------------
* ``POST /<api-version>/models/<model>:generateContent`` -> one JSON
  ``GenerateContentResponse``.
* ``POST /<api-version>/models/<model>:streamGenerateContent?alt=sse`` ->
  ``Content-Type: text/event-stream`` sent with ``Transfer-Encoding: chunked``
  (one HTTP chunk per event), events ``data: {json}\\r\\n\\r\\n``; each event is a
  ``GenerateContentResponse`` with ``candidates[0].content`` (role ``model``).
  Only the last event carries ``finishReason`` and ``usageMetadata``
  ``{promptTokenCount, candidatesTokenCount, totalTokenCount}``.
* Any api version and any model name are accepted; the model name is
  recorded with any ``models/`` (or Vertex ``.../models/``) prefix removed.
  NB: SDK 3.4.0 with an API key uses ``/v1/models/<model>:...`` by default
  (not v1beta; ``GOOGLE_GENAI_API_VERSION=beta`` or
  ``HttpOptions(api_version=...)`` change it). It sends ``x-goog-api-key``,
  ``user-agent``/``x-goog-api-client: google-genai-sdk/3.4.0 gl-python/3.11.x``,
  and, when a client timeout is set, ``x-server-timeout: <ceil seconds>``.
* Errors use Google's JSON error format
  ``{"error": {"code", "message", "status", "details"}}``; 429 carries a
  ``google.rpc.QuotaFailure`` and (with ``retry_delay_s``) a
  ``google.rpc.RetryInfo`` detail ``{"retryDelay": "2s"}`` plus a
  ``Retry-After`` header (integer seconds, rounded up).
* Other paths -> 404 ``NOT_FOUND`` in the same JSON error format.

What the real SDK (google-genai 3.4.0, sync client, httpx2 transport) raises
------------------------------------------------------------------------------
* ``Reply.error(4xx)`` -> ``google.genai.errors.ClientError`` (``.code`` == the
  HTTP status, ``.status`` e.g. ``"RESOURCE_EXHAUSTED"``, ``.message``,
  ``.details`` == the whole parsed JSON body, ``.response.headers`` has
  ``retry-after``). For the streaming call it is raised on the first
  ``next()`` of the iterator (the request is only sent lazily).
* ``Reply.error(5xx)`` -> ``google.genai.errors.ServerError`` (same attributes).
  Both subclass ``google.genai.errors.APIError``.
* ``Reply.stream_error(chunks, code)`` (error event inside a 200 stream) ->
  ``ClientError``/``ServerError`` raised mid-iteration, after the good chunks.
* ``Reply.stall(...)`` with a client ``HttpOptions(timeout=ms)`` shorter than
  the stall -> ``httpx2.ReadTimeout`` (a ``httpx2.TimeoutException``), raw, not
  wrapped by the SDK. (``httpx`` is not installed; the SDK falls back to
  ``httpx2``, which has its own exception hierarchy.) The SDK timeout is a
  per-read timeout, so a slow-but-steady stream never trips it.
* ``Reply.malformed(...)`` -> ``google.genai.errors.UnknownApiResponseError``
  (a ``ValueError``, *not* an ``APIError``) raised while iterating, after the
  good chunks were yielded. The non-stream endpoint instead raises a bare
  ``json.JSONDecodeError`` (also a ``ValueError``): catch ``ValueError``.
* ``Reply.cut(...)`` (connection dropped mid chunked body) ->
  ``httpx2.RemoteProtocolError`` raised while iterating, raw.
* ``Reply.unfinished(...)`` -> no exception; the stream just ends and the last
  chunk has ``candidates[0].finish_reason is None`` and no usage metadata.

Gotcha: keep a reference to the ``genai.Client`` while iterating a stream.
``client.models.generate_content_stream(...)`` is lazy, and ``Client.__del__``
closes the httpx2 client, so ``genai.Client(...).models.generate_content_stream(...)``
on a temporary client fails with ``RuntimeError: Cannot send a request, as the
client has been closed.``

Retries: with ``HttpOptions.retry_options`` unset the SDK does NOT retry at all
(``stop_after_attempt(1)``). With ``types.HttpRetryOptions(...)`` set it retries
(default 5 attempts) on 408/429/500/502/503/504 and on httpx timeouts/connect
errors, only around sending the request (never mid-stream). Every attempt is a
separate request here and consumes one scripted reply.

Choosing the reply for a request
--------------------------------
1. ``server.on_request(recorded_request)`` if set; a returned ``Reply`` (or a
   plain ``str``, shorthand for ``Reply.text([str])``) is used. ``None`` falls
   through. An exception in the hook is stored in ``server.hook_errors`` and
   answered with a 500 INTERNAL.
2. The next scripted reply (FIFO, one per request, both endpoints).
3. ``server.default`` (a ``Reply``; ``None`` -> 500 INTERNAL "no scripted
   reply", recorded in ``server.unscripted``).

If ``FakeGemini(api_key="k")`` is given, requests with another
``x-goog-api-key`` get 403 PERMISSION_DENIED without consuming the script.
(The real API answers an *invalid* key with 400 INVALID_ARGUMENT, reason
``API_KEY_INVALID``; use ``Reply.error(400, ...)`` to mimic that exactly.)
"""

from __future__ import annotations

import collections
import json
import math
import re
import socket
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable, Optional, Union
from urllib.parse import parse_qs, urlsplit

__all__ = ["FakeGemini", "Reply", "RecordedRequest", "STATUS_BY_CODE"]

#: Canonical google.rpc status names for HTTP codes.
STATUS_BY_CODE = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

_DEFAULT_MESSAGES = {
    400: "Request contains an invalid argument.",
    401: "Request had invalid authentication credentials.",
    403: "The caller does not have permission",
    404: "Requested entity was not found.",
    429: "You exceeded your current quota, please check your plan and billing details.",
    500: "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
    503: "The model is overloaded. Please try again later.",
    504: "Deadline expired before operation could complete.",
}

_PATH_RE = re.compile(r"^/(?:(?P<version>v[^/]*)/)?(?P<resource>.+?):(?P<action>[A-Za-z]+)$")

TextChunks = Union[str, Iterable[str]]


def _as_chunks(chunks: Optional[TextChunks]) -> tuple[str, ...]:
    if chunks is None:
        return ()
    if isinstance(chunks, str):
        return (chunks,)
    return tuple(chunks)


def _duration(seconds: float) -> str:
    """google.protobuf.Duration JSON form, e.g. ``2s`` or ``1.5s``."""
    return f"{int(seconds)}s" if float(seconds).is_integer() else f"{seconds:g}s"


# --------------------------------------------------------------------------- #
# Replies
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class Reply:
    """One scripted answer. Build it with the class-method constructors.

    The same ``Reply`` works for both endpoints: the streaming endpoint sends
    one SSE event per text chunk; ``generateContent`` sends one response with
    the chunks concatenated into a single text part.
    """

    chunks: tuple[str, ...] = ()
    calls: tuple[tuple[str, dict], ...] = ()  # (name, args) function calls
    finish_reason: Optional[str] = "STOP"
    prompt_tokens: int = 10
    output_tokens: Optional[int] = None
    delay_s: float = 0.0
    # failure modes
    stall_s: float = 0.0
    rest: Optional[tuple[str, ...]] = None  # chunks after a stall; None -> drop connection
    ending: str = "finish"  # finish | unfinished | malformed | cut | stream_error
    malformed_data: str = "this is {not json"
    error_code: Optional[int] = None
    error_message: Optional[str] = None
    error_status: Optional[str] = None
    retry_delay_s: Optional[float] = None
    error_details: tuple[dict, ...] = ()

    # ---- constructors ---------------------------------------------------- #
    @classmethod
    def text(
        cls,
        chunks: TextChunks,
        *,
        prompt_tokens: int = 10,
        output_tokens: Optional[int] = None,
        delay_s: float = 0.0,
        finish_reason: str = "STOP",
    ) -> "Reply":
        """Normal answer. ``delay_s`` sleeps between stream chunks (and
        ``delay_s * (n-1)`` before a non-stream answer). ``output_tokens``
        defaults to ~len(text)/4. ``finish_reason`` may be e.g. ``MAX_TOKENS``
        or ``SAFETY``."""
        return cls(
            chunks=_as_chunks(chunks),
            prompt_tokens=prompt_tokens,
            output_tokens=output_tokens,
            delay_s=delay_s,
            finish_reason=finish_reason,
        )

    @classmethod
    def function_call(
        cls,
        name: str,
        args: Optional[dict] = None,
        *,
        text: Optional[TextChunks] = None,
        prompt_tokens: int = 10,
        output_tokens: Optional[int] = None,
    ) -> "Reply":
        """A ``{"functionCall": {"name", "args"}}`` part (after optional text
        chunks), visible as ``response.function_calls`` / ``chunk.function_calls``."""
        return cls.function_calls([(name, args or {})], text=text,
                                  prompt_tokens=prompt_tokens, output_tokens=output_tokens)

    @classmethod
    def function_calls(
        cls,
        calls: Iterable[tuple[str, Optional[dict]]],
        *,
        text: Optional[TextChunks] = None,
        prompt_tokens: int = 10,
        output_tokens: Optional[int] = None,
    ) -> "Reply":
        """Several parallel function calls in one model turn."""
        return cls(
            chunks=_as_chunks(text),
            calls=tuple((n, dict(a or {})) for n, a in calls),
            prompt_tokens=prompt_tokens,
            output_tokens=output_tokens,
        )

    @classmethod
    def error(
        cls,
        code: int,
        message: Optional[str] = None,
        *,
        status: Optional[str] = None,
        retry_delay_s: Optional[float] = None,
        details: Iterable[dict] = (),
    ) -> "Reply":
        """HTTP error ``code`` with a Google JSON error body (before any
        streaming). ``status`` defaults from ``STATUS_BY_CODE``.
        ``retry_delay_s`` adds a RetryInfo detail and a Retry-After header."""
        return cls(
            error_code=code,
            error_message=message,
            error_status=status,
            retry_delay_s=retry_delay_s,
            error_details=tuple(details),
        )

    @classmethod
    def stall(
        cls,
        chunks: TextChunks,
        seconds: float,
        *,
        rest: Optional[TextChunks] = None,
        prompt_tokens: int = 10,
        output_tokens: Optional[int] = None,
    ) -> "Reply":
        """Send ``chunks``, then hold the connection silent for ``seconds``.
        Afterwards send ``rest`` and finish normally, or (``rest=None``) drop
        the connection. Non-stream endpoint: sleeps before answering.
        ``server.stop()`` interrupts the sleep."""
        return cls(
            chunks=_as_chunks(chunks),
            stall_s=seconds,
            rest=None if rest is None else _as_chunks(rest),
            prompt_tokens=prompt_tokens,
            output_tokens=output_tokens,
        )

    @classmethod
    def malformed(cls, chunks: TextChunks = (), *, data: str = "this is {not json") -> "Reply":
        """Send ``chunks`` then an event ``data: <data>`` that is not JSON.
        Non-stream endpoint: a 200 whose body is ``data``."""
        return cls(chunks=_as_chunks(chunks), ending="malformed", malformed_data=data)

    @classmethod
    def cut(cls, chunks: TextChunks = ()) -> "Reply":
        """Send ``chunks`` (no finishReason) then close the TCP connection in
        the middle of the chunked body. Non-stream endpoint: Content-Length
        promises more than is sent."""
        return cls(chunks=_as_chunks(chunks), ending="cut")

    @classmethod
    def unfinished(cls, chunks: TextChunks = ()) -> "Reply":
        """Send ``chunks`` and end the body cleanly, but never send a
        finishReason or usageMetadata."""
        return cls(chunks=_as_chunks(chunks), ending="unfinished")

    @classmethod
    def stream_error(
        cls, chunks: TextChunks, code: int = 500, message: Optional[str] = None,
        *, status: Optional[str] = None,
    ) -> "Reply":
        """Send ``chunks`` inside a 200 stream, then an error event
        ``data: {"error": {...}}`` (the API does this for mid-stream failures).
        Non-stream endpoint: a plain HTTP error."""
        return cls(chunks=_as_chunks(chunks), ending="stream_error", error_code=code,
                   error_message=message, error_status=status)

    # ---- helpers --------------------------------------------------------- #
    @property
    def is_http_error(self) -> bool:
        return self.error_code is not None and self.ending != "stream_error"

    def all_chunks(self) -> tuple[str, ...]:
        return self.chunks + (self.rest or ())

    def usage(self) -> dict:
        out = self.output_tokens
        if out is None:
            text = "".join(self.all_chunks()) + json.dumps(self.calls)
            out = max(1, math.ceil(len(text) / 4))
        return {
            "promptTokenCount": self.prompt_tokens,
            "candidatesTokenCount": out,
            "totalTokenCount": self.prompt_tokens + out,
        }

    def error_body(self) -> dict:
        code = self.error_code or 500
        details = list(self.error_details)
        if code == 429 and not details:
            details.append({
                "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                "violations": [{
                    "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                    "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
                    "quotaValue": "10",
                }],
            })
        if self.retry_delay_s is not None:
            details.append({
                "@type": "type.googleapis.com/google.rpc.RetryInfo",
                "retryDelay": _duration(self.retry_delay_s),
            })
        err: dict[str, Any] = {
            "code": code,
            "message": self.error_message or _DEFAULT_MESSAGES.get(code, "Error"),
            "status": self.error_status or STATUS_BY_CODE.get(code, "UNKNOWN"),
        }
        if details:
            err["details"] = details
        return {"error": err}


# --------------------------------------------------------------------------- #
# Recorded requests
# --------------------------------------------------------------------------- #
@dataclass
class RecordedRequest:
    """What the fake received. ``headers`` keys are lower-cased."""

    method: str
    path: str  # full request target, including the query string
    model: Optional[str]  # e.g. "gemini-2.5-flash" (prefix "models/" removed)
    headers: dict[str, str]
    body: Any  # parsed JSON body, or None if absent / not JSON
    raw_body: bytes = b""
    api_version: Optional[str] = None  # "v1" with SDK 3.4.0 defaults
    action: Optional[str] = None  # "generateContent" | "streamGenerateContent" | ...
    query: dict[str, list[str]] = field(default_factory=dict)
    received_at: float = field(default_factory=time.time)  # epoch seconds, when the request arrived
    # How the streamed answer went (streaming endpoint only), updated while it is sent:
    # events written so far, and whether the client hung up before the end (say, a
    # worker process that was killed mid-stream) or the whole answer went out.
    events_sent: int = 0
    client_gone: bool = False
    completed: bool = False

    @property
    def stream(self) -> bool:
        return self.action == "streamGenerateContent"

    @property
    def api_key(self) -> Optional[str]:
        return self.headers.get("x-goog-api-key")

    @property
    def contents(self) -> list:
        return (self.body or {}).get("contents", []) if isinstance(self.body, dict) else []

    @property
    def system_instruction(self) -> Optional[dict]:
        return self.body.get("systemInstruction") if isinstance(self.body, dict) else None

    @property
    def tools(self) -> list:
        return (self.body.get("tools") or []) if isinstance(self.body, dict) else []

    @property
    def generation_config(self) -> dict:
        return (self.body.get("generationConfig") or {}) if isinstance(self.body, dict) else {}

    @property
    def body_text(self) -> str:
        """The body as text with non-ASCII unescaped (the SDK sends \\uXXXX
        escapes), for substring assertions such as "no e-mail address"."""
        if self.body is not None:
            return json.dumps(self.body, ensure_ascii=False)
        return self.raw_body.decode("utf-8", errors="replace")

    @property
    def system_text(self) -> str:
        si = self.system_instruction or {}
        return "\n".join(p.get("text", "") for p in si.get("parts", []) if "text" in p)

    def texts(self) -> list[str]:
        """All text parts: system instruction first, then contents in order."""
        out = [self.system_text] if self.system_text else []
        for content in self.contents:
            out.extend(p["text"] for p in content.get("parts", []) if "text" in p)
        return out

    @property
    def last_user_text(self) -> str:
        """Text of the last ``role: user`` content (the current prompt)."""
        for content in reversed(self.contents):
            if content.get("role", "user") == "user":
                parts = content.get("parts", [])
                texts = [p["text"] for p in parts if "text" in p]
                if texts:
                    return "\n".join(texts)
        return ""


# --------------------------------------------------------------------------- #
# Server
# --------------------------------------------------------------------------- #
class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeGemini/1.0"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    def setup(self) -> None:
        super().setup()
        self.server.fake._track(self.connection, add=True)  # type: ignore[attr-defined]

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        self.server.fake._track(self.connection, add=False)  # type: ignore[attr-defined]

    def do_POST(self) -> None:
        self.server.fake._handle(self)  # type: ignore[attr-defined]

    do_GET = do_POST
    do_PUT = do_POST
    do_PATCH = do_POST
    do_DELETE = do_POST


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: "FakeGemini"

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up (timeouts, dropped keep-alive sockets) are normal
        # here; anything else is still printed.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class FakeGemini:
    """Fake Gemini REST server. Thread-safe; usable as a context manager.

    Attributes:
        base_url: ``"http://127.0.0.1:PORT"`` (valid right after construction).
        default: reply used when the script is empty (``None`` -> 500).
        on_request: optional ``callable(RecordedRequest) -> Reply | str | None``.
        api_key: if set, other keys get 403 PERMISSION_DENIED.
    """

    def __init__(
        self,
        *,
        default: Optional[Reply] = None,
        api_key: Optional[str] = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.default: Optional[Reply] = default if default is not None else Reply.text(["Fake Gemini reply."])
        self.on_request: Optional[Callable[[RecordedRequest], Union[Reply, str, None]]] = None
        self.api_key = api_key
        self.hook_errors: list[BaseException] = []
        self.unscripted: list[RecordedRequest] = []
        self._queue: collections.deque[Reply] = collections.deque()
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._conns: set[socket.socket] = set()
        self._thread: Optional[threading.Thread] = None
        self._httpd = _Server((host, port), _Handler)
        self._httpd.fake = self

    # ---- lifecycle ------------------------------------------------------- #
    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self._httpd.server_address[0]}:{self.port}"

    def start(self) -> "FakeGemini":
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                name=f"FakeGemini:{self.port}", daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, interrupt stalls and close open connections."""
        self._stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> "FakeGemini":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<FakeGemini {self.base_url} pending={self.pending} requests={len(self.requests)}>"

    # ---- scripting ------------------------------------------------------- #
    def script(self, *replies: Reply) -> "FakeGemini":
        """Queue replies; each request consumes the next one (FIFO)."""
        for r in replies:
            if not isinstance(r, Reply):
                raise TypeError(f"expected Reply, got {r!r}")
        with self._lock:
            self._queue.extend(replies)
        return self

    @property
    def pending(self) -> int:
        """Number of scripted replies not consumed yet."""
        with self._lock:
            return len(self._queue)

    def reset(self) -> None:
        """Forget scripted replies, recorded requests, hook and errors."""
        with self._lock:
            self._queue.clear()
            self._requests.clear()
            self.hook_errors.clear()
            self.unscripted.clear()
            self.on_request = None

    # ---- inspection ------------------------------------------------------ #
    @property
    def requests(self) -> list[RecordedRequest]:
        """Snapshot (copy) of every request received, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def last_request(self) -> Optional[RecordedRequest]:
        with self._lock:
            return self._requests[-1] if self._requests else None

    def wait_for_requests(self, n: int, timeout: float = 5.0) -> list[RecordedRequest]:
        """Block until at least ``n`` requests arrived; raise TimeoutError otherwise."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._requests) >= n, timeout=timeout):
                raise TimeoutError(f"FakeGemini got {len(self._requests)} requests, expected {n}")
            return list(self._requests)

    # ---- internals ------------------------------------------------------- #
    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            (self._conns.add if add else self._conns.discard)(conn)

    def _record(self, h: _Handler) -> RecordedRequest:
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        split = urlsplit(h.path)
        m = _PATH_RE.match(split.path)
        model = version = action = None
        if m:
            version, action = m.group("version"), m.group("action")
            resource = m.group("resource")
            model = resource.rsplit("models/", 1)[-1] if "models/" in resource else resource
        headers: dict[str, str] = {}
        for k, v in h.headers.items():
            k = k.lower()
            headers[k] = f"{headers[k]}, {v}" if k in headers else v
        rec = RecordedRequest(
            method=h.command, path=h.path, model=model, headers=headers, body=body,
            raw_body=raw, api_version=version, action=action, query=parse_qs(split.query),
        )
        with self._cond:
            self._requests.append(rec)
            self._cond.notify_all()
        return rec

    def _choose(self, rec: RecordedRequest) -> Optional[Reply]:
        hook = self.on_request
        if hook is not None:
            try:
                result = hook(rec)
            except BaseException as exc:  # noqa: BLE001 - reported to the test
                with self._lock:
                    self.hook_errors.append(exc)
                return Reply.error(500, f"FakeGemini on_request hook raised {exc!r}")
            if isinstance(result, str):
                return Reply.text([result])
            if result is not None:
                return result
        with self._lock:
            if self._queue:
                return self._queue.popleft()
            if self.default is None:
                self.unscripted.append(rec)
            return self.default

    def _handle(self, h: _Handler) -> None:
        rec: Optional[RecordedRequest] = None
        try:
            rec = self._record(h)
            if rec.method != "POST" or rec.action not in ("generateContent", "streamGenerateContent"):
                self._send_json(h, 404, Reply.error(404, f"FakeGemini: unsupported {rec.method} {rec.path}").error_body())
                return
            if self.api_key is not None and rec.api_key != self.api_key:
                self._send_json(h, 403, Reply.error(
                    403, "Method doesn't allow unregistered callers (callers without established "
                         "identity). Please use API Key or other form of API consumer identity to call this API.",
                ).error_body())
                return
            reply = self._choose(rec)
            if reply is None:
                self._send_json(h, 500, Reply.error(500, "FakeGemini: no scripted reply left").error_body())
                return
            if reply.is_http_error:
                self._send_error(h, reply)
            elif rec.stream:
                self._stream(h, reply, rec.model or "unknown", rec)
            else:
                self._single(h, reply, rec.model or "unknown")
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            h.close_connection = True
            if rec is not None:
                rec.client_gone = True

    # ---- response writers ------------------------------------------------ #
    def _sleep(self, seconds: float) -> bool:
        """Sleep; return False if the server is stopping."""
        return not self._stopping.wait(seconds) if seconds > 0 else not self._stopping.is_set()

    @staticmethod
    def _send_json(h: _Handler, code: int, obj: Any, extra_headers: Optional[dict] = None) -> None:
        data = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        h.send_response(code)
        h.send_header("Content-Type", "application/json; charset=UTF-8")
        h.send_header("Content-Length", str(len(data)))
        for k, v in (extra_headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)
        h.wfile.flush()

    def _send_error(self, h: _Handler, reply: Reply) -> None:
        extra = {}
        if reply.retry_delay_s is not None:
            extra["Retry-After"] = str(math.ceil(reply.retry_delay_s))
        self._send_json(h, reply.error_code or 500, reply.error_body(), extra)

    @staticmethod
    def _response(model: str, response_id: str, parts: list, finish: Optional[str], usage: Optional[dict]) -> dict:
        cand: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
        if finish:
            cand["finishReason"] = finish
        resp: dict[str, Any] = {"candidates": [cand]}
        if usage:
            resp["usageMetadata"] = usage
        resp["modelVersion"] = model
        resp["responseId"] = response_id
        return resp

    @staticmethod
    def _fc_parts(reply: Reply) -> list:
        return [{"functionCall": {"name": n, "args": a}} for n, a in reply.calls]

    def _drop(self, h: _Handler) -> None:
        h.close_connection = True
        try:
            h.wfile.flush()
            h.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _single(self, h: _Handler, reply: Reply, model: str) -> None:
        rid = uuid.uuid4().hex[:22]
        if not self._sleep(reply.delay_s * max(0, len(reply.chunks) - 1)):
            return self._drop(h)
        if reply.stall_s:
            if not self._sleep(reply.stall_s) or reply.rest is None:
                return self._drop(h)
        if reply.ending == "malformed":
            data = reply.malformed_data.encode("utf-8")
            h.send_response(200)
            h.send_header("Content-Type", "application/json; charset=UTF-8")
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
            return
        if reply.ending == "stream_error":
            return self._send_error(h, reply)
        text = "".join(reply.all_chunks())
        parts = ([{"text": text}] if text or not reply.calls else []) + self._fc_parts(reply)
        finished = reply.ending == "finish"
        body = self._response(model, rid, parts, reply.finish_reason if finished else None,
                              reply.usage() if finished else None)
        if reply.ending == "cut":
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            h.send_response(200)
            h.send_header("Content-Type", "application/json; charset=UTF-8")
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data[: len(data) // 2])
            return self._drop(h)
        self._send_json(h, 200, body)

    def _stream(self, h: _Handler, reply: Reply, model: str, rec: Optional[RecordedRequest] = None) -> None:
        rid = uuid.uuid4().hex[:22]
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Transfer-Encoding", "chunked")
        h.send_header("Cache-Control", "no-cache")
        h.end_headers()
        h.wfile.flush()

        def write(data: bytes) -> None:
            h.wfile.write(b"%X\r\n%s\r\n" % (len(data), data))
            h.wfile.flush()

        def event(obj: Any) -> None:
            write(b"data: " + json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\r\n\r\n")

        finished = reply.ending == "finish"
        # Each planned event: list of parts. The final one carries finishReason+usage.
        first = [[{"text": c}] for c in reply.chunks]
        second = [[{"text": c}] for c in (reply.rest or ())]
        if reply.calls:
            second.append(self._fc_parts(reply))
        if finished and not first and not second:
            first = [[{"text": ""}]]
        total = len(first) + len(second)
        sent = 0

        def send_parts(parts: list) -> None:
            nonlocal sent
            sent += 1
            if rec is not None:
                rec.events_sent = sent
            last = finished and sent == total
            event(self._response(model, rid, parts,
                                 reply.finish_reason if last else None,
                                 reply.usage() if last else None))

        for i, parts in enumerate(first):
            if i and not self._sleep(reply.delay_s):
                return self._drop(h)
            send_parts(parts)
        if reply.stall_s:
            if not self._sleep(reply.stall_s) or reply.rest is None:
                return self._drop(h)
        for parts in second:
            if (first or sent) and not self._sleep(reply.delay_s):
                return self._drop(h)
            send_parts(parts)
        if reply.ending == "malformed":
            write(b"data: " + reply.malformed_data.encode("utf-8") + b"\r\n\r\n")
        elif reply.ending == "stream_error":
            event(reply.error_body())
        elif reply.ending == "cut":
            return self._drop(h)
        h.wfile.write(b"0\r\n\r\n")
        h.wfile.flush()
        if rec is not None:
            rec.completed = True
