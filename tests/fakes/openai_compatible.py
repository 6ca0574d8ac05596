"""A local fake of an OpenAI-compatible chat server, the way vLLM and Ollama serve one.

Tests point the *real* ``openai`` client (``OpenAI(base_url=server.base_url + "/v1")``)
at it and script what the "model" answers with the same ``Reply`` objects as the fake
Gemini (``tests.fakes.gemini``), so one test drives either provider. It shares that
fake's scripting, hooks, recording and connection handling; only the protocol differs.
Standard library only.

    from tests.fakes.openai_compatible import FakeOpenAICompatible, Reply

    with FakeOpenAICompatible() as server:
        server.script(Reply.text(["Hello", " there"], prompt_tokens=120, output_tokens=8))
        client = OpenAI(base_url=server.base_url + "/v1", api_key="test-key", max_retries=0)
        for chunk in client.chat.completions.create(model="gemma3:4b", messages=[...], stream=True,
                                                    stream_options={"include_usage": True}): ...
        assert server.requests[0].api_key == "test-key"

Protocol spoken (as vLLM's and Ollama's ``/v1`` endpoints)
------------------------------------------------------------
* ``POST <any prefix>/chat/completions``. With ``"stream": true``: ``text/event-stream``
  sent chunked, one HTTP chunk per event ``data: {json}\\n\\n``; each a
  ``chat.completion.chunk`` whose ``choices[0].delta`` holds ``role`` (first event only),
  ``content`` or ``tool_calls``. Tool calls are streamed as vLLM does: a first delta with
  ``index``, ``id``, ``type`` and ``function.name`` (empty arguments), then the JSON
  arguments in two fragments. The last choice event carries ``finish_reason``
  (``stop``, ``tool_calls`` or ``length``); with ``stream_options.include_usage`` one more
  event follows with ``choices: []`` and ``usage {prompt_tokens, completion_tokens,
  total_tokens}``; then ``data: [DONE]``. Without ``stream``: one ``chat.completion``.
* ``GET <any prefix>/models``: the model list (``{"object": "list", "data": [...]}``).
* Errors: the HTTP status with ``{"error": {"message", "type", "param", "code"}}``. A 429
  from ``Reply.error(429, retry_delay_s=s)`` carries ``Retry-After: ceil(s)`` (whole
  seconds, as gateways in front of vLLM send it), and also ``retry-after-ms`` when
  ``server.retry_after_ms`` is set (as OpenAI's own API does).
* ``tools_supported=False``: a request that offers tools gets 400 ``"<model> does not
  support tools"`` (Ollama's answer for a model without function calling), without
  consuming the script. ``api_key="k"``: another bearer token gets 401.

The same ``Reply`` failure modes as the Gemini fake: ``stall`` (silence; the client's
read time-out trips), ``malformed`` (an event that is not JSON), ``cut`` (the connection
dropped mid body), ``unfinished`` (the body ends with no ``finish_reason``, usage or
``[DONE]``) and ``stream_error`` (``data: {"error": {...}}`` inside a 200 stream, which
vLLM sends when generation fails half way).

What the real client (``openai`` 3.60, sync, ``max_retries=0``) raises
----------------------------------------------------------------------
* 429 -> ``openai.RateLimitError``; other 4xx -> ``BadRequestError``,
  ``AuthenticationError``, ``NotFoundError`` ...; 5xx -> ``InternalServerError``. All are
  ``openai.APIStatusError`` (``.status_code``, ``.response.headers``), raised by
  ``create()`` itself: the request is sent eagerly.
* stall -> ``openai.APITimeoutError``, before the first event or while iterating.
* cut -> ``openai.APIConnectionError`` while iterating.
* malformed -> ``json.JSONDecodeError`` (a ``ValueError``) while iterating.
* stream_error -> ``openai.APIError`` (no status) while iterating, after the good chunks.
"""
from __future__ import annotations

import json
import math
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import parse_qs, urlsplit

from tests.fakes.gemini import FakeGemini, RecordedRequest, Reply, _Handler

__all__ = ["FakeOpenAICompatible", "RecordedChatRequest", "Reply"]

_ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                404: "not_found_error", 429: "rate_limit_exceeded", 500: "server_error", 503: "server_error"}
_DEFAULT_MESSAGES = {
    400: "Bad request.",
    401: "Invalid API key.",
    404: "The model does not exist.",
    429: "Too many requests: rate limit reached, please retry later.",
    500: "Internal server error.",
    503: "Server busy, please try again.",
    504: "Upstream timed out.",
}
_FINISH = {"STOP": "stop", "MAX_TOKENS": "length", "SAFETY": "content_filter"}


@dataclass
class RecordedChatRequest(RecordedRequest):
    """A chat completions request. The same accessors as the Gemini fake's, read from ``messages``."""

    @property
    def stream(self) -> bool:  # type: ignore[override]
        return isinstance(self.body, dict) and bool(self.body.get("stream"))

    @property
    def api_key(self) -> Optional[str]:  # type: ignore[override]
        auth = self.headers.get("authorization", "")
        return auth[len("Bearer "):] if auth.startswith("Bearer ") else None

    @property
    def messages(self) -> list[dict]:
        return (self.body or {}).get("messages", []) if isinstance(self.body, dict) else []

    @property
    def contents(self) -> list:  # type: ignore[override]
        return [m for m in self.messages if m.get("role") != "system"]

    @property
    def tools(self) -> list:  # type: ignore[override]
        return (self.body.get("tools") or []) if isinstance(self.body, dict) else []

    @property
    def system_text(self) -> str:  # type: ignore[override]
        return "\n".join(_text(m) for m in self.messages if m.get("role") == "system")

    def texts(self) -> list[str]:  # type: ignore[override]
        return [_text(m) for m in self.messages if _text(m)]

    @property
    def last_user_text(self) -> str:  # type: ignore[override]
        return next((_text(m) for m in reversed(self.messages) if m.get("role") == "user" and _text(m)), "")

    def tool_results(self) -> list[dict]:
        """What the client answered to the model's tool calls, parsed."""
        return [json.loads(m["content"]) for m in self.messages if m.get("role") == "tool"]

    @property
    def body_text(self) -> str:  # type: ignore[override]
        """The body as text, with the JSON that chat messages carry as strings (tool results,
        tool-call arguments) expanded, so that substring assertions read the data itself."""
        if not isinstance(self.body, dict):
            return super().body_text
        return json.dumps(_expanded(self.body), ensure_ascii=False)


def _text(message: dict) -> str:
    content = message.get("content")
    if isinstance(content, list):  # content parts
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content or ""


def _expanded(value: Any) -> Any:
    if isinstance(value, dict):
        out = {k: _expanded(v) for k, v in value.items()}
        if value.get("role") == "tool" and isinstance(value.get("content"), str):
            out["content"] = _json_or_text(value["content"])
        if isinstance(value.get("arguments"), str):
            out["arguments"] = _json_or_text(value["arguments"])
        return out
    if isinstance(value, list):
        return [_expanded(v) for v in value]
    return value


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


class FakeOpenAICompatible(FakeGemini):
    """Fake OpenAI-compatible chat server (vLLM / Ollama style). See the module docstring.

    Attributes beyond FakeGemini's: ``tools_supported`` (False: 400 to any request with
    tools) and ``retry_after_ms`` (also send ``retry-after-ms`` with a 429).
    """

    def __init__(self, *, default: Optional[Reply] = None, api_key: Optional[str] = None,
                 tools_supported: bool = True, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(default=default, api_key=api_key, host=host, port=port)
        if default is None:
            self.default = Reply.text(["Fake model reply."])
        self.tools_supported = tools_supported
        self.retry_after_ms = False

    def __repr__(self) -> str:
        return f"<FakeOpenAICompatible {self.base_url} pending={self.pending} requests={len(self.requests)}>"

    # ---- recording ------------------------------------------------------- #
    def _record(self, h: _Handler) -> RecordedChatRequest:  # type: ignore[override]
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        split = urlsplit(h.path)
        action = "chat.completions" if split.path.endswith("/chat/completions") else (
            "models" if split.path.endswith("/models") else None)
        version = re.match(r"^/(v[^/]*)/", split.path)
        headers: dict[str, str] = {}
        for k, v in h.headers.items():
            k = k.lower()
            headers[k] = f"{headers[k]}, {v}" if k in headers else v
        rec = RecordedChatRequest(
            method=h.command, path=h.path, model=body.get("model") if isinstance(body, dict) else None,
            headers=headers, body=body, raw_body=raw, api_version=version.group(1) if version else None,
            action=action, query=parse_qs(split.query),
        )
        with self._cond:
            self._requests.append(rec)
            self._cond.notify_all()
        return rec

    # ---- dispatch -------------------------------------------------------- #
    def _handle(self, h: _Handler) -> None:
        rec: Optional[RecordedChatRequest] = None
        try:
            rec = self._record(h)
            if self.api_key is not None and rec.api_key != self.api_key:
                self._send_json(h, 401, _error_body(401, "Incorrect API key provided.", code="invalid_api_key"))
                return
            if rec.method == "GET" and rec.action == "models":
                self._send_json(h, 200, {"object": "list", "data": [
                    {"id": "fake-model", "object": "model", "created": int(time.time()), "owned_by": "fake"}]})
                return
            if rec.method != "POST" or rec.action != "chat.completions" or not isinstance(rec.body, dict):
                self._send_json(h, 404, _error_body(404, f"FakeOpenAICompatible: unsupported {rec.method} {rec.path}"))
                return
            if rec.tools and not self.tools_supported:
                self._send_json(h, 400, _error_body(400, f"{rec.model} does not support tools"))
                return
            reply = self._choose(rec)
            if reply is None:
                self._send_json(h, 500, _error_body(500, "FakeOpenAICompatible: no scripted reply left"))
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
    def _send_error(self, h: _Handler, reply: Reply) -> None:
        code = reply.error_code or 500
        extra = {}
        if reply.retry_delay_s is not None:
            extra["Retry-After"] = str(math.ceil(reply.retry_delay_s))
            if self.retry_after_ms:
                extra["retry-after-ms"] = str(round(reply.retry_delay_s * 1000))
        self._send_json(h, code, _error_body(code, reply.error_message), extra)

    @staticmethod
    def _usage(reply: Reply) -> dict:
        usage = reply.usage()
        return {"prompt_tokens": usage["promptTokenCount"], "completion_tokens": usage["candidatesTokenCount"],
                "total_tokens": usage["totalTokenCount"]}

    @staticmethod
    def _tool_calls(reply: Reply) -> list[dict]:
        return [{"id": f"call_{uuid.uuid4().hex[:12]}", "type": "function",
                 "function": {"name": name, "arguments": json.dumps(args)}} for name, args in reply.calls]

    def _single(self, h: _Handler, reply: Reply, model: str) -> None:
        if not self._sleep(reply.delay_s * max(0, len(reply.chunks) - 1)):
            return self._drop(h)
        if reply.stall_s and (not self._sleep(reply.stall_s) or reply.rest is None):
            return self._drop(h)
        if reply.ending == "malformed":
            data = reply.malformed_data.encode("utf-8")
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
            return None
        if reply.ending == "stream_error":
            return self._send_error(h, reply)
        message: dict[str, Any] = {"role": "assistant", "content": "".join(reply.all_chunks()) or None}
        if reply.calls:
            message["tool_calls"] = self._tool_calls(reply)
        finished = reply.ending == "finish"
        body = {"id": f"chatcmpl-{uuid.uuid4().hex[:16]}", "object": "chat.completion", "created": int(time.time()),
                "model": model, "choices": [{"index": 0, "message": message, "logprobs": None,
                                             "finish_reason": self._finish_reason(reply) if finished else None}]}
        if finished:
            body["usage"] = self._usage(reply)
        if reply.ending == "cut":
            data = json.dumps(body).encode("utf-8")
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data[: len(data) // 2])
            return self._drop(h)
        self._send_json(h, 200, body)
        return None

    @staticmethod
    def _finish_reason(reply: Reply) -> str:
        if reply.calls:
            return "tool_calls"
        return _FINISH.get(reply.finish_reason or "STOP", "stop")

    def _stream(self, h: _Handler, reply: Reply, model: str, rec: Optional[RecordedRequest] = None) -> None:
        chunk_id, created = f"chatcmpl-{uuid.uuid4().hex[:16]}", int(time.time())
        include_usage = bool(((rec.body if rec else None) or {}).get("stream_options", {}).get("include_usage"))
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream; charset=utf-8")
        h.send_header("Transfer-Encoding", "chunked")
        h.send_header("Cache-Control", "no-cache")
        h.end_headers()
        h.wfile.flush()

        def write(data: bytes) -> None:
            h.wfile.write(b"%X\r\n%s\r\n" % (len(data), data))
            h.wfile.flush()

        def event(obj: Any) -> None:
            write(b"data: " + json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n\n")

        def choice(delta: dict, finish: Optional[str] = None) -> dict:
            return {"id": chunk_id, "object": "chat.completion.chunk", "created": created, "model": model,
                    "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}

        sent = 0
        role_sent = False

        def send(delta: dict) -> None:
            nonlocal sent, role_sent
            if not role_sent:
                delta = {"role": "assistant", **delta}
                role_sent = True
            event(choice(delta))
            sent += 1
            if rec is not None:
                rec.events_sent = sent

        for i, text in enumerate(reply.chunks):
            if i and not self._sleep(reply.delay_s):
                return self._drop(h)
            send({"content": text})
        if reply.stall_s and (not self._sleep(reply.stall_s) or reply.rest is None):
            return self._drop(h)
        for text in reply.rest or ():
            if sent and not self._sleep(reply.delay_s):
                return self._drop(h)
            send({"content": text})
        for index, call in enumerate(self._tool_calls(reply)):
            if sent and not self._sleep(reply.delay_s):
                return self._drop(h)
            arguments = call["function"]["arguments"]
            half = len(arguments) // 2
            send({"tool_calls": [{"index": index, "id": call["id"], "type": "function",
                                  "function": {"name": call["function"]["name"], "arguments": ""}}]})
            for part in (arguments[:half], arguments[half:]):
                send({"tool_calls": [{"index": index, "function": {"arguments": part}}]})

        if reply.ending == "finish":
            event(choice({} if role_sent else {"role": "assistant", "content": ""}, self._finish_reason(reply)))
            if include_usage:
                event({"id": chunk_id, "object": "chat.completion.chunk", "created": created, "model": model,
                       "choices": [], "usage": self._usage(reply)})
            write(b"data: [DONE]\n\n")
        elif reply.ending == "malformed":
            write(b"data: " + reply.malformed_data.encode("utf-8") + b"\n\n")
        elif reply.ending == "stream_error":
            code = reply.error_code or 500
            event(_error_body(code, reply.error_message))
        elif reply.ending == "cut":
            return self._drop(h)
        h.wfile.write(b"0\r\n\r\n")
        h.wfile.flush()
        if rec is not None:
            rec.completed = True
        return None


def _error_body(status: int, message: Optional[str] = None, *, code: Optional[str] = None) -> dict:
    """OpenAI's error shape, which vLLM, Ollama and the gateways return too."""
    return {"error": {"message": message or _DEFAULT_MESSAGES.get(status, "Error"),
                      "type": _ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error"),
                      "param": None, "code": code if code is not None else status}}
