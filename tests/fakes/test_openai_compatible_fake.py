"""Tests of the fake OpenAI-compatible server, driven by the REAL openai client.

Plain pytest functions, no database. Run:
    SHOPPE_DATA_DIR=$PWD/.data/test .venv/bin/python -m pytest tests/fakes/test_openai_compatible_fake.py -q
"""
from __future__ import annotations

import json
import time

import httpx2
import openai
import pytest
from openai import OpenAI

from .openai_compatible import FakeOpenAICompatible, Reply

MODEL = "gemma3:4b"

pytestmark = pytest.mark.timeout(20)


@pytest.fixture
def server():
    with FakeOpenAICompatible() as srv:
        yield srv


def make_client(server: FakeOpenAICompatible, *, api_key: str = "test-key", timeout: float = 5.0) -> OpenAI:
    return OpenAI(base_url=server.base_url + "/v1", api_key=api_key, timeout=httpx2.Timeout(timeout), max_retries=0)


def stream(client: OpenAI, **extra):
    return client.chat.completions.create(
        model=MODEL, messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
        stream=True, stream_options={"include_usage": True}, **extra)


def test_stream_text_then_finish_then_usage_in_the_last_chunk(server):
    server.script(Reply.text(["Hello", " there"], prompt_tokens=120, output_tokens=8))
    chunks = list(stream(make_client(server)))
    texts = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert texts == ["Hello", " there"]
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage.prompt_tokens == 120
    assert chunks[-1].usage.completion_tokens == 8 and chunks[-1].usage.total_tokens == 128
    request = server.requests[0]
    assert request.path == "/v1/chat/completions" and request.model == MODEL and request.stream
    assert request.api_key == "test-key" and request.system_text == "Be brief." and request.last_user_text == "Hi"


def test_without_include_usage_there_is_no_usage_chunk(server):
    client = make_client(server)
    chunks = list(client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hi"}],
                                                 stream=True))
    assert all(c.usage is None for c in chunks) and chunks[-1].choices[0].finish_reason == "stop"


def test_chunks_arrive_as_they_are_written(server):
    server.script(Reply.text(["a", "b", "c"], delay_s=0.3))
    started = time.monotonic()
    arrivals = [time.monotonic() - started for c in stream(make_client(server))
                if c.choices and c.choices[0].delta.content]
    assert len(arrivals) == 3 and arrivals[0] < 0.25 and arrivals[-1] >= 0.55


def test_tool_calls_stream_in_fragments_the_way_vllm_sends_them(server):
    server.script(Reply.function_calls([("order_lookup", {"order_number": "10023"}), ("handoff_request", None)]))
    calls: dict[int, dict] = {}
    finish = None
    for chunk in stream(make_client(server), tools=[{"type": "function", "function": {"name": "order_lookup"}}]):
        for choice in chunk.choices:
            finish = choice.finish_reason or finish
            for call in choice.delta.tool_calls or []:
                entry = calls.setdefault(call.index, {"id": None, "name": "", "arguments": ""})
                entry["id"] = call.id or entry["id"]
                entry["name"] += (call.function.name or "") if call.function else ""
                entry["arguments"] += (call.function.arguments or "") if call.function else ""
    assert finish == "tool_calls"
    assert [(c["name"], json.loads(c["arguments"])) for c in calls.values()] == [
        ("order_lookup", {"order_number": "10023"}), ("handoff_request", {})]
    assert all(c["id"].startswith("call_") for c in calls.values())
    assert server.requests[0].tools[0]["function"]["name"] == "order_lookup"


def test_non_stream_completion(server):
    server.script(Reply.text(["Hello", " there"], prompt_tokens=7, output_tokens=3))
    done = make_client(server).chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hi"}])
    assert done.choices[0].message.content == "Hello there" and done.usage.total_tokens == 10


def test_429_carries_retry_after_and_raises_rate_limit_error(server):
    server.script(Reply.error(429, retry_delay_s=0.4))
    with pytest.raises(openai.RateLimitError) as raised:
        stream(make_client(server))
    assert raised.value.status_code == 429 and raised.value.response.headers["retry-after"] == "1"
    assert "retry-after-ms" not in raised.value.response.headers
    server.retry_after_ms = True
    server.script(Reply.error(429, retry_delay_s=0.4))
    with pytest.raises(openai.RateLimitError) as raised:
        stream(make_client(server))
    assert raised.value.response.headers["retry-after-ms"] == "400"
    assert len(server.requests) == 2  # max_retries=0: the client itself never retried


@pytest.mark.parametrize("code, error", [(500, openai.InternalServerError), (503, openai.InternalServerError),
                                         (400, openai.BadRequestError), (404, openai.NotFoundError)])
def test_http_errors_raise_the_clients_status_errors(server, code, error):
    server.script(Reply.error(code, "it went wrong"))
    with pytest.raises(error) as raised:
        stream(make_client(server))
    assert raised.value.status_code == code and "it went wrong" in str(raised.value)


def test_a_stall_before_the_first_token_trips_the_read_timeout(server):
    server.script(Reply.stall([], seconds=5))
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        list(stream(make_client(server, timeout=0.5)))
    assert time.monotonic() - started < 2


def test_a_stall_after_the_first_words_raises_while_iterating(server):
    server.script(Reply.stall(["First words. "], seconds=5))
    got = []
    with pytest.raises(openai.APITimeoutError):
        for chunk in stream(make_client(server, timeout=0.5)):
            got.append(chunk.choices[0].delta.content if chunk.choices else None)
    assert got == ["First words. "]


def test_stall_then_continue(server):
    server.script(Reply.stall(["a"], seconds=0.3, rest=["b"]))
    texts = [c.choices[0].delta.content for c in stream(make_client(server))
             if c.choices and c.choices[0].delta.content]
    assert texts == ["a", "b"]


def test_malformed_event_raises_a_value_error(server):
    server.script(Reply.malformed(["Good start. "]))
    with pytest.raises(ValueError):
        list(stream(make_client(server)))


def test_cut_connection_raises_api_connection_error(server):
    server.script(Reply.cut(["Good start. "]))
    with pytest.raises(openai.APIConnectionError):
        list(stream(make_client(server)))


def test_error_event_mid_stream_raises_api_error(server):
    server.script(Reply.stream_error(["Good start. "], 500, "generation failed"))
    got = []
    with pytest.raises(openai.APIError) as raised:
        for chunk in stream(make_client(server)):
            got.append(chunk)
    assert "generation failed" in str(raised.value) and got


def test_unfinished_stream_just_ends(server):
    server.script(Reply.unfinished(["Half an answer"]))
    chunks = list(stream(make_client(server)))
    assert [c.choices[0].finish_reason for c in chunks] == [None] and all(c.usage is None for c in chunks)


def test_a_model_without_tools_refuses_a_request_with_tools_like_ollama():
    with FakeOpenAICompatible(tools_supported=False) as server:
        server.script(Reply.text(["Fine without tools."]))
        client = make_client(server)
        with pytest.raises(openai.BadRequestError) as raised:
            stream(client, tools=[{"type": "function", "function": {"name": "order_lookup"}}])
        assert "does not support tools" in str(raised.value)
        assert server.pending == 1  # the script is kept for the retry without tools
        assert [c.choices[0].delta.content for c in stream(client) if c.choices][0] == "Fine without tools."


def test_required_api_key():
    with FakeOpenAICompatible(api_key="right") as server:
        with pytest.raises(openai.AuthenticationError):
            stream(make_client(server, api_key="wrong"))
        assert list(stream(make_client(server, api_key="right")))


def test_models_list(server):
    assert [m.id for m in make_client(server).models.list()] == ["fake-model"]


def test_body_text_expands_tool_results_for_substring_checks(server):
    client = make_client(server)
    list(client.chat.completions.create(model=MODEL, stream=True, messages=[
        {"role": "user", "content": "Where is 10023?"},
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "order_lookup",
                                                              "arguments": '{"order_number": "10023"}'}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": json.dumps({"found": True, "café": "ü"})},
    ]))
    request = server.requests[0]
    assert '"found": true' in request.body_text and '"order_number": "10023"' in request.body_text
    assert "café" in request.body_text and request.tool_results() == [{"found": True, "café": "ü"}]


def test_on_request_hook_and_fifo_script(server):
    server.on_request = lambda r: "hooked" if "hook" in r.last_user_text else None
    server.script(Reply.text(["scripted"]))
    client = make_client(server)

    def ask(text: str) -> str:
        return "".join(c.choices[0].delta.content or "" for c in client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": text}], stream=True) if c.choices)

    assert ask("please hook me") == "hooked" and ask("plain") == "scripted" and ask("again") == "Fake model reply."
