"""What a real server process does: the lines it writes, and serving on after a bad ops request.

`make run` is daphne in embedded mode (a Celery worker thread inside); production adds a
standalone `celery worker`. These tests start those very processes and read what they write.

#13 item 5: every line goes through the scrubber. The embedded worker used to take over the
root logger once started, and daphne's access log printed raw paths and query strings.
#13 item 4: an ops request whose CSV stream failed after its 200 left daphne unable to send
its 500, which stopped the checker that closes connections whose application failed.
"""
from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from tests.browser import DEMO_PASSWORD, _server_env
from tests.conftest import service_missing
from tests.production_stack import RedisServer, prepare_site, stop_process, wait_for
from tools.processes import daphne_start, free_port, worker_start

# What the visitors below put in their URLs: none of it may reach a log as it is.
EMAIL_PATH = "/help/alice.jansen@mailbox.test-4111111111111111/"
EMAIL_QUERY = "/help/?q=carol%40example.test+4111111111111111"
SECRETS = ["alice.jansen", "mailbox.test", "carol%40example", "carol@example", "example.test", "4111111111111111"]
# A line in Celery's own format: what the log looked like once the worker had taken the root logger.
CELERY_LINE = re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+: \w+/[\w-]+\]")
# daphne's access log (NCSA): client, ident, user, [time], "request", status, size.
ACCESS_LINE = re.compile(r'^[\d.:]+ - - \[[^\]]+\] "(?P<request>[^"]*)" \S+ \S+$')


@dataclass
class Server:
    base: str
    proc: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    def output(self) -> str:
        return self.stdout.read_text(errors="replace") + self.stderr.read_text(errors="replace")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, run_artifacts: None) -> Iterator[Server]:
    """`make run`'s server: daphne in embedded mode, the demo data loaded, stdout and stderr kept apart."""
    data_dir = tmp_path_factory.mktemp("server-process")
    env = _server_env(data_dir)
    env.pop("LOG_FORMAT", None)
    prepare_site(data_dir, env, demo=True)
    port = free_port()
    stdout, stderr = data_dir / "daphne.stdout", data_dir / "daphne.stderr"
    with open(stdout, "wb") as out, open(stderr, "wb") as err:
        proc = daphne_start(port=port, env=env, stdout=out, stderr=err)
    running = Server(f"http://127.0.0.1:{port}", proc, stdout, stderr)
    try:
        deadline = time.monotonic() + 90
        while not _answers(running.base + "/healthz"):  # ready to chat, not only serving pages (#14 item 5)
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"daphne did not start:\n{running.output()[-3000:]}")
            time.sleep(0.2)
        yield running
    finally:
        stop_process(proc)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _get(url: str, opener: urllib.request.OpenerDirector | None = None, *, timeout: float = 15) -> tuple[int, str, bytes]:
    try:
        with (opener or urllib.request.build_opener()).open(url, timeout=timeout) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def _until_written(server: Server, text: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while text not in server.output():
        if time.monotonic() > deadline:
            pytest.fail(f"{text!r} never appeared in the server's output:\n{server.output()[-3000:]}")
        time.sleep(0.1)


def _assert_scrubbed(output: str) -> None:
    for secret in SECRETS:
        assert secret not in output, f"{secret!r} is in the log:\n" + "\n".join(
            line for line in output.splitlines() if secret in line)


# --- #13 item 5: the embedded server -----------------------------------------------------------------------


def test_the_server_logs_no_personal_data_from_urls(server: Server) -> None:
    # given a server whose embedded worker has started (it starts before daphne serves)
    assert _get(server.base + EMAIL_PATH)[0] == 404
    assert _get(server.base + EMAIL_QUERY)[0] == 200
    _get(server.base + "/help/?marker=written")
    _until_written(server, "marker=written")
    output = server.output()

    # then neither the access log nor Django's "Not Found" line carries the email or the card
    _assert_scrubbed(output)
    requests = [m["request"] for line in output.splitlines() if (m := ACCESS_LINE.match(line))]
    assert "GET /help/[EMAIL]/" in requests, requests
    assert any(r.startswith("GET /help/?q=") and "[EMAIL]" in r and "[CARD]" in r for r in requests), requests
    not_found = [json.loads(line) for line in output.splitlines()
                 if line.startswith("{") and "Not Found" in line]
    assert not_found and not_found[0]["message"] == "Not Found: /help/[EMAIL]/"
    # and the project's logging is still the one in charge, after the worker started
    assert not [line for line in output.splitlines() if CELERY_LINE.match(line)]


# --- #13 item 5: the production worker ---------------------------------------------------------------------


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    if not RedisServer.available():
        service_missing("redis-server not installed")
    redis = RedisServer(port=free_port(), log_path=tmp_path / "redis.log").start()
    try:
        yield redis
    finally:
        redis.stop()


def test_the_production_worker_logs_no_personal_data(server: Server, redis_server: RedisServer,
                                                     tmp_path: Path) -> None:
    from celery import Celery

    env = _server_env(Path(server.stdout).parent)
    env.pop("LOG_FORMAT", None)
    env.update(REDIS_URL=redis_server.url(), DEBUG="0", SECRET_KEY="test", METRICS_TOKEN="test-metrics-token",
               RAG_WARM_UP="0")
    log = tmp_path / "worker.log"
    with open(log, "wb") as out:
        worker = worker_start(argv=["celery", "-A", "shoppe", "worker", "--loglevel=INFO", "--concurrency=1",
                                    "--pool=threads", "-n", "scrub@%h"], env=env, stdout=out)
    try:
        wait_for(lambda: "scrub@" in log.read_text(errors="replace")
                 and " ready." in log.read_text(errors="replace"), timeout=90, what="the worker to be ready")
        # A task whose failure quotes what it was given, as a real one would quote a customer's message.
        producer = Celery(broker=redis_server.url(), set_as_current=False)  # not the app this process sends with
        producer.send_task("support.tasks.escalation_answer",
                           kwargs={"message_id": "alice.jansen@mailbox.test 4111111111111111"})
        wait_for(lambda: "raised unexpected" in log.read_text(errors="replace"), timeout=60,
                 what="the worker to report the failed task")
    finally:
        stop_process(worker)
    output = log.read_text(errors="replace")
    _assert_scrubbed(output)
    failure = [json.loads(line) for line in output.splitlines() if line.startswith("{") and "raised unexpected" in line]
    assert failure and "[EMAIL]" in failure[0]["message"], output[-3000:]
    assert not [line for line in output.splitlines() if CELERY_LINE.match(line)], output[-3000:]


# --- #13 item 4: a bad ops request leaves the server serving -------------------------------------------------


def _signed_in(base: str, username: str) -> tuple[urllib.request.OpenerDirector, CookieJar]:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/admin/login/", timeout=15).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username, "password": DEMO_PASSWORD,
                                   "next": "/ops/"}).encode()
    request = urllib.request.Request(base + "/admin/login/", data=form, headers={"Referer": base + "/admin/login/"})
    with opener.open(request, timeout=15) as response:
        assert response.url.endswith("/ops/"), f"signing in as {username} failed"
    return opener, jar


async def _socket_to_an_unknown_path_is_refused(base: str) -> int:
    """daphne's application checker answers a socket whose application failed; without it, silence."""
    import websockets

    url = base.replace("http://", "ws://") + "/ws/no-such-socket/"
    try:
        async with websockets.connect(url, origin=base, open_timeout=4):
            return 101
    except websockets.InvalidStatus as refused:
        return refused.response.status_code
    except TimeoutError:
        return 0  # no answer at all: the checker has stopped


async def _chat_answers_a_ping(base: str, cookie: str) -> list[str]:
    import websockets

    url = base.replace("http://", "ws://") + "/ws/chat/"
    async with websockets.connect(url, origin=base, additional_headers={"Cookie": cookie}, open_timeout=10) as ws:
        seen = [json.loads(await asyncio.wait_for(ws.recv(), 10))["type"]]
        await ws.send(json.dumps({"type": "ping"}))
        seen.append(json.loads(await asyncio.wait_for(ws.recv(), 10))["type"])
        return seen


def test_a_bad_csv_filter_is_refused_and_the_server_serves_on(server: Server) -> None:
    opener, jar = _signed_in(server.base, "ops")

    # when ops ask for a CSV from year 1 (it once failed inside the stream, after its 200)
    try:
        status, content_type, body = _get(server.base + "/ops/escalations.csv?from=0001-01-01", opener, timeout=5)
    except OSError as error:  # the broken stream: headers sent, then nothing
        status, content_type, body = 0, "", repr(error).encode()

    # then daphne's checker still answers a socket whose application failed, a chat socket works
    assert asyncio.run(_socket_to_an_unknown_path_is_refused(server.base)) == 500
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar if c.name == "sessionid")
    assert asyncio.run(_chat_answers_a_ping(server.base, cookie)) == ["history", "pong"]
    assert _get(server.base + "/")[0] == 200
    assert "Exception inside application: date value out of range" not in server.output()

    # and the request was refused before any query, with a message
    assert status == 400 and content_type.startswith("text/plain"), (status, body[:300])
    assert b"2000-01-01" in body
    for url in ("/ops/escalations/?to=9999-12-31", "/ops/?to=9999-12-31", "/ops/escalations.csv?to=9999-12-31"):
        assert _get(server.base + url, opener)[0] == 400, url

    # while a good CSV still downloads, whole, over daphne
    status, content_type, body = _get(server.base + "/ops/escalations.csv?from=2000-01-01&to=2100-12-31", opener)
    assert status == 200 and body.startswith(b"time,route,") and b"incomplete" not in body
