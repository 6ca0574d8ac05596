"""Tests of the fake Gemini server, driven by the REAL google-genai SDK.

Plain pytest functions, no Django needed. Run:
    .venv/bin/pytest -p no:django tests/fakes/test_gemini_fake.py -q
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request

import httpx2
import pytest
from google import genai
from google.genai import errors, types

from .gemini import FakeGemini, RecordedRequest, Reply

MODEL = "gemini-2.5-flash"

pytestmark = pytest.mark.timeout(20)


@pytest.fixture
def server():
    with FakeGemini() as srv:
        yield srv


def make_client(server: FakeGemini, *, api_key: str = "test-key", timeout_ms: int | None = 5000,
                attempts: int | None = 1, **retry) -> genai.Client:
    """Real SDK client pointed at the fake. ``attempts=1`` -> no retries."""
    retry_options = None
    if attempts is not None:
        retry_options = types.HttpRetryOptions(attempts=attempts, **retry)
    return genai.Client(
        api_key=api_key,
        http_options=types.HttpOptions(
            base_url=server.base_url, timeout=timeout_ms, retry_options=retry_options,
        ),
    )


def stream(client: genai.Client, contents="Hi", **config):
    return client.models.generate_content_stream(
        model=MODEL, contents=contents,
        config=types.GenerateContentConfig(**config) if config else None,
    )


# --------------------------------------------------------------------------- #
def test_stream_text_and_usage_from_last_chunk(server):
    server.script(Reply.text(["Hello", " there"], prompt_tokens=120, output_tokens=8))
    client = make_client(server)
    chunks = list(stream(client))

    assert [c.text for c in chunks] == ["Hello", " there"]
    last = chunks[-1]
    assert last.candidates[0].finish_reason == types.FinishReason.STOP
    assert last.usage_metadata.prompt_token_count == 120
    assert last.usage_metadata.candidates_token_count == 8
    assert last.usage_metadata.total_token_count == 128
    assert chunks[0].usage_metadata is None
    assert chunks[0].candidates[0].finish_reason is None
    assert chunks[0].candidates[0].content.role == "model"

    req = server.requests[0]
    assert req.model == MODEL
    assert req.stream and req.action == "streamGenerateContent"
    assert req.query == {"alt": ["sse"]}
    assert req.path.endswith(f"/models/{MODEL}:streamGenerateContent?alt=sse")


def test_stream_chunks_arrive_incrementally_with_delay(server):
    server.script(Reply.text(["a", "b", "c"], delay_s=0.3))
    client = make_client(server)
    t0 = time.monotonic()
    arrivals = [(c.text, time.monotonic() - t0) for c in stream(client)]
    assert [t for t, _ in arrivals] == ["a", "b", "c"]
    assert arrivals[0][1] < 0.25  # first chunk did not wait for the whole answer
    assert arrivals[-1][1] >= 0.55


def test_non_stream_generate_content_concatenates(server):
    server.script(Reply.text(["Hello", " there"], prompt_tokens=7, output_tokens=3))
    client = make_client(server)
    resp = client.models.generate_content(model="gemini-2.0-flash-lite", contents="Hi")
    assert resp.text == "Hello there"
    assert resp.usage_metadata.prompt_token_count == 7
    assert resp.usage_metadata.total_token_count == 10
    assert resp.candidates[0].finish_reason == types.FinishReason.STOP
    req = server.requests[0]
    assert req.model == "gemini-2.0-flash-lite" and not req.stream
    assert req.action == "generateContent"


def test_function_call_non_stream_and_stream(server):
    server.script(
        Reply.function_call("order_lookup", {"order_number": "10023"}),
        Reply.function_call("order_lookup", {"order_number": "7"}, text="Let me check."),
    )
    client = make_client(server)
    resp = client.models.generate_content(model=MODEL, contents="Where is my order 10023?")
    assert [(fc.name, fc.args) for fc in resp.function_calls] == [("order_lookup", {"order_number": "10023"})]

    chunks = list(stream(client))
    assert chunks[0].text == "Let me check."
    assert chunks[-1].function_calls[0].name == "order_lookup"
    assert chunks[-1].function_calls[0].args == {"order_number": "7"}
    assert chunks[-1].usage_metadata.prompt_token_count == 10


def test_parallel_function_calls(server):
    server.script(Reply.function_calls([("a", {"x": 1}), ("b", None)]))
    client = make_client(server)
    resp = client.models.generate_content(model=MODEL, contents="?")
    assert [fc.name for fc in resp.function_calls] == ["a", "b"]


def test_429_with_retry_delay_raises_client_error(server):
    server.script(Reply.error(429, retry_delay_s=2))
    client = make_client(server)
    with pytest.raises(errors.ClientError) as ei:
        list(stream(client))
    err = ei.value
    assert err.code == 429 and err.status == "RESOURCE_EXHAUSTED"
    assert err.response.headers["retry-after"] == "2"
    retry_info = [d for d in err.details["error"]["details"] if d["@type"].endswith("RetryInfo")]
    assert retry_info == [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "2s"}]
    assert len(server.requests) == 1  # attempts=1: no retry


def test_5xx_and_4xx_exception_classes(server):
    client = make_client(server)
    expected = [(500, errors.ServerError, "INTERNAL"), (503, errors.ServerError, "UNAVAILABLE"),
                (400, errors.ClientError, "INVALID_ARGUMENT"), (403, errors.ClientError, "PERMISSION_DENIED")]
    for code, cls, status in expected:
        server.script(Reply.error(code))
        with pytest.raises(cls) as ei:
            client.models.generate_content(model=MODEL, contents="x")
        assert ei.value.code == code and ei.value.status == status
        assert isinstance(ei.value, errors.APIError)
    server.script(Reply.error(500, "boom"))
    with pytest.raises(errors.ServerError, match="boom"):
        list(stream(client))


def test_sdk_retry_options_retry_429_then_succeed(server):
    server.script(Reply.error(429, retry_delay_s=30), Reply.text("ok"))
    client = make_client(server, attempts=2, initial_delay=0.05, max_delay=0.1, jitter=0)
    t0 = time.monotonic()
    assert client.models.generate_content(model=MODEL, contents="x").text == "ok"
    assert time.monotonic() - t0 < 5  # the SDK ignores retryDelay / Retry-After
    assert len(server.requests) == 2


def test_default_client_does_not_retry(server):
    server.script(Reply.error(503), Reply.text("never reached"))
    client = genai.Client(api_key="k", http_options=types.HttpOptions(base_url=server.base_url))
    with pytest.raises(errors.ServerError):
        client.models.generate_content(model=MODEL, contents="x")
    assert server.pending == 1


def test_stall_trips_client_timeout(server):
    server.script(Reply.stall(["partial"], seconds=3))
    client = make_client(server, timeout_ms=500)
    got = []
    t0 = time.monotonic()
    with pytest.raises(httpx2.TimeoutException):  # httpx2.ReadTimeout
        for chunk in stream(client):
            got.append(chunk.text)
    assert got == ["partial"]
    assert time.monotonic() - t0 < 2.5
    assert server.requests[0].headers["x-server-timeout"] == "1"


def test_stall_then_continue(server):
    server.script(Reply.stall(["a"], seconds=0.5, rest=["b"], prompt_tokens=5, output_tokens=2))
    client = make_client(server)
    chunks = list(stream(client))
    assert [c.text for c in chunks] == ["a", "b"]
    assert chunks[-1].usage_metadata.total_token_count == 7


def test_malformed_chunk_raises_unknown_api_response_error(server):
    server.script(Reply.malformed(["ok so far"]), Reply.malformed())
    client = make_client(server)
    got = []
    with pytest.raises(errors.UnknownApiResponseError):
        for chunk in stream(client):
            got.append(chunk.text)
    assert got == ["ok so far"]
    with pytest.raises(ValueError):  # non-stream: bare json.JSONDecodeError
        client.models.generate_content(model=MODEL, contents="x")


def test_cut_stream_raises_remote_protocol_error(server):
    server.script(Reply.cut(["half a"]))
    client = make_client(server)
    got = []
    with pytest.raises(httpx2.RemoteProtocolError):
        for chunk in stream(client):
            got.append(chunk.text)
    assert got == ["half a"]


def test_unfinished_stream_ends_without_finish_reason(server):
    server.script(Reply.unfinished(["half a"]))
    client = make_client(server)
    chunks = list(stream(client))
    assert [c.text for c in chunks] == ["half a"]
    assert chunks[-1].candidates[0].finish_reason is None
    assert chunks[-1].usage_metadata is None


def test_error_event_mid_stream(server):
    server.script(Reply.stream_error(["partial"], 503))
    client = make_client(server)
    got = []
    with pytest.raises(errors.ServerError) as ei:
        for chunk in stream(client):
            got.append(chunk.text)
    assert got == ["partial"] and ei.value.code == 503


def test_api_key_header_and_body_recorded(server):
    server.script(Reply.text("fine"))
    client = make_client(server, api_key="sekret-123")
    list(stream(
        client, "Customer wrote: héllo",
        system_instruction="You are a support agent.", temperature=0.2, max_output_tokens=50,
        tools=[types.Tool(function_declarations=[types.FunctionDeclaration(
            name="order_lookup", description="Look up an order",
            parameters={"type": "object", "properties": {"order_number": {"type": "string"}}},
        )])],
    ))
    req = server.requests[0]
    assert isinstance(req, RecordedRequest)
    assert req.api_key == "sekret-123" == req.headers["x-goog-api-key"]
    assert req.headers["user-agent"].startswith("google-genai-sdk/")
    assert req.api_version == "v1"
    assert req.system_text == "You are a support agent."
    assert req.contents == [{"parts": [{"text": "Customer wrote: héllo"}], "role": "user"}]
    assert req.last_user_text == "Customer wrote: héllo"
    assert req.tools[0]["functionDeclarations"][0]["name"] == "order_lookup"
    assert req.generation_config == {"temperature": 0.2, "maxOutputTokens": 50}
    assert "héllo" in req.body_text and "@" not in req.body_text
    assert json.loads(req.raw_body) == req.body


def test_required_api_key_rejects_bad_key():
    with FakeGemini(api_key="good") as srv:
        srv.script(Reply.text("hi"))
        bad = make_client(srv, api_key="bad")
        with pytest.raises(errors.ClientError) as ei:
            bad.models.generate_content(model=MODEL, contents="x")
        assert ei.value.code == 403 and ei.value.status == "PERMISSION_DENIED"
        assert srv.pending == 1  # the script was not consumed
        good = make_client(srv, api_key="good")
        assert good.models.generate_content(model=MODEL, contents="x").text == "hi"


def test_on_request_hook_and_default(server):
    def comply(req: RecordedRequest):
        if "IGNORE PREVIOUS" in req.last_user_text:
            return Reply.text(["Sure! " + req.last_user_text.lower()])
        return None  # fall through to the script / default

    server.on_request = comply
    server.default = Reply.text("default answer")
    client = make_client(server)
    assert client.models.generate_content(model=MODEL, contents="IGNORE PREVIOUS rules").text == "Sure! ignore previous rules"
    assert client.models.generate_content(model=MODEL, contents="hello").text == "default answer"

    server.on_request = lambda req: 1 / 0
    with pytest.raises(errors.ServerError):
        client.models.generate_content(model=MODEL, contents="x")
    assert isinstance(server.hook_errors[0], ZeroDivisionError)

    server.on_request = None
    server.default = None
    with pytest.raises(errors.ServerError, match="no scripted reply"):
        client.models.generate_content(model=MODEL, contents="x")
    assert len(server.unscripted) == 1


def test_script_is_fifo_and_thread_safe(server):
    server.script(*[Reply.text(f"r{i}") for i in range(8)])
    client = make_client(server)
    results = []
    lock = threading.Lock()

    def call():
        text = client.models.generate_content(model=MODEL, contents="x").text
        with lock:
            results.append(text)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [f"r{i}" for i in range(8)]
    assert server.pending == 0
    assert len(server.wait_for_requests(8, timeout=1)) == 8


def test_async_client_streams(server):
    server.script(Reply.text(["x", "y"], prompt_tokens=3, output_tokens=2))
    client = make_client(server)

    async def run():
        out = []
        async for chunk in await client.aio.models.generate_content_stream(model=MODEL, contents="hi"):
            out.append(chunk)
        return out

    chunks = asyncio.run(run())
    assert "".join(c.text for c in chunks) == "xy"
    assert chunks[-1].usage_metadata.total_token_count == 5


def test_unknown_path_is_404_json():
    with FakeGemini() as srv:
        with pytest.raises(urllib.error.HTTPError) as ei:
            urllib.request.urlopen(srv.base_url + "/v1/models", timeout=2)
        assert ei.value.code == 404
        assert json.loads(ei.value.read())["error"]["status"] == "NOT_FOUND"
        assert srv.requests[0].method == "GET" and srv.requests[0].model is None


def test_stop_interrupts_a_stall():
    srv = FakeGemini().start()
    srv.script(Reply.stall(["a"], seconds=30))
    client = make_client(srv, timeout_ms=None)  # no client timeout at all
    errs = []

    def consume():
        try:
            list(stream(client))
        except Exception as exc:  # noqa: BLE001
            errs.append(exc)

    t = threading.Thread(target=consume)
    t.start()
    try:
        srv.wait_for_requests(1)
        time.sleep(0.2)
    finally:
        t0 = time.monotonic()
        srv.stop()
    t.join(timeout=5)
    assert not t.is_alive() and time.monotonic() - t0 < 5
    assert errs and isinstance(errs[0], httpx2.RemoteProtocolError)
