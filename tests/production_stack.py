"""The production stack for end-to-end tests: PostgreSQL, Redis, a Celery worker and daphne.

The servers run as separate processes configured only by environment variables, the
way they are deployed, against a fresh PostgreSQL database and a fake LLM server of each
provider (`tests.fakes.gemini`, `tests.fakes.openai_compatible`): the processes talk to
the fake Gemini unless a test starts a worker with `stack.provider_env(provider)`. Used by
`tests/test_production_mode.py` and the fault drills in `tests/faults/`, which also kill and
restart the worker and a private Redis.

    with production_stack(tmp, redis_url=...) as stack:
        cookie = session_cookie(stack)
        async with connect(stack, cookie) as ws: ...
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from django.conf import settings

from tests.conftest import port_open, service_missing
from tests.fakes.gemini import FakeGemini, Reply
from tests.fakes.llm import PROVIDERS, fake_for, provider_env
from tools.processes import REPO, daphne_start, free_port, http_ok, stop_process, worker_start

PG_HOST, PG_PORT = "127.0.0.1", 5432
PG_ADMIN_URL = f"postgresql://postgres@{PG_HOST}:{PG_PORT}/postgres"

# A question the router escalates to the LLM (advice for this customer's room), and one the local tier
# answers. (Until session 13 it was two lamps, one broken and one missing: since refunds are handed to
# staff at 98% recall the router reads that as a possible claim for money and hands it to a person.)
LLM_QUESTION = ("My living room is 4 by 5 metres with a low ceiling and underfloor heating: "
                "which of your rugs would suit it?")
# What the fake model servers answer it with, unless a test scripts otherwise.
LLM_ANSWER = ["A low-pile wool rug suits ", "underfloor heating best. ", "For 4 by 5 metres, ",
              "the 200 x 300 cm size leaves a border of floor."]
ROUTINE_QUESTION = "how long does delivery take?"
REPLY_TIMEOUT = 30.0
# What the stack's servers take as METRICS_TOKEN: `Authorization: Bearer` this for /metrics and the /healthz details.
METRICS_TOKEN = "test-metrics-token"

# What a server process logs once it has loaded the local models (shoppe.startup.rag_warm_up, the index last).
WARM_LINE = "loaded knowledge index"
WORKER_ARGV = ["celery", "-A", "shoppe", "worker", "--loglevel=INFO", "--concurrency=2", "--pool=threads"]


# --- small process helpers (the starter itself is tools.processes, shared with the load tool) ---


def wait_for(check: Callable[[], bool], *, timeout: float, what: str, stack: "Stack | None" = None) -> None:
    """Poll `check` until true; fail with the servers' logs on a time-out or when a server exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in stack.live_processes() if stack else []:
            if proc.poll() is not None:
                pytest.fail(f"{proc.args!r} exited with {proc.returncode} while waiting for {what}\n{stack.logs()}")
        if check():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}\n{stack.logs() if stack else ''}")


# --- services ----------------------------------------------------------------------------


def require_postgres() -> None:
    if not port_open(PG_HOST, PG_PORT):
        service_missing(f"PostgreSQL not reachable on {PG_HOST}:{PG_PORT}")


def require_redis(host: str, port: int) -> None:
    if not port_open(host, port):
        service_missing(f"Redis not reachable on {host}:{port}")


def create_database(prefix: str) -> str:
    """A fresh, uniquely named database (other test runs share the server)."""
    import psycopg

    dbname = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{dbname}"')
    except psycopg.OperationalError as exc:
        service_missing(f"PostgreSQL on {PG_HOST}:{PG_PORT} refused user postgres: {exc}")
    return dbname


def drop_database(dbname: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (dbname,),
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}"')


@dataclass
class RedisServer:
    """A private `redis-server` on its own port, no persistence: a restart loses everything, like a crash."""

    port: int
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None

    @classmethod
    def available(cls) -> bool:
        return shutil.which("redis-server") is not None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> "RedisServer":
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps its own copy of the descriptor
        try:
            self.proc = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--daemonize", "no", "--dir", str(self.log_path.parent)],
                stdout=log, stderr=subprocess.STDOUT,
            )
        finally:
            log.close()
        deadline = time.monotonic() + 10
        while not port_open("127.0.0.1", self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server on port {self.port} did not start:\n"
                                   f"{self.log_path.read_text()[-2000:]}")
            time.sleep(0.02)
        return self

    def kill(self) -> None:
        """SIGKILL: the server vanishes with every key, queue and group in it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)


# --- the stack ---------------------------------------------------------------------------


@dataclass
class Stack:
    base_url: str
    origin: str
    ws_url: str
    dbname: str
    redis_url: str
    env: dict[str, str]
    daphne_log: Path
    gemini: FakeGemini
    log_dir: Path
    daphne: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None
    worker_logs: list[Path] = field(default_factory=list)
    worker_env: dict[str, str] = field(default_factory=dict)  # what the current worker got on top of `env`
    llm_fakes: dict[str, FakeGemini] = field(default_factory=dict)  # one fake server per provider; `gemini` is one

    def provider_env(self, provider: str) -> dict[str, str]:
        """What a worker needs on top of the stack's environment to escalate to `provider`'s fake."""
        return {} if provider == "gemini" else provider_env(provider, self.llm_fakes[provider])

    @property
    def worker_log(self) -> Path:
        """The log of the current (latest) worker."""
        return self.worker_logs[-1]

    def live_processes(self) -> list[subprocess.Popen[bytes]]:
        return [p for p in (self.worker, self.daphne) if p is not None]

    def logs(self) -> str:
        """The tail of the server logs, for assertion messages."""
        parts = []
        named = [*((f"worker {i + 1}", p) for i, p in enumerate(self.worker_logs)), ("daphne", self.daphne_log)]
        for name, path in named:
            text = path.read_text(errors="replace") if path.exists() else ""
            parts.append(f"--- {name} log (tail) ---\n{text[-4000:]}")
        return "\n".join(parts)

    def sql(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(f"postgresql://postgres@{PG_HOST}:{PG_PORT}/{self.dbname}", autocommit=True) as conn:
            return conn.execute(query, params).fetchall()

    # The worker can be stopped, killed and started again with other settings.
    def start_worker(self, *, wait: bool = True, **env: str) -> subprocess.Popen[bytes]:
        """A new worker (its own log, `worker-N.log`) with `env` on top of the stack's environment."""
        assert self.worker is None or self.worker.poll() is not None, "a worker is already running"
        number = len(self.worker_logs) + 1
        path = self.log_dir / f"worker-{number}.log"
        self.worker_logs.append(path)
        with open(path, "wb") as log:
            self.worker = worker_start(argv=[*WORKER_ARGV, "-n", f"worker{number}@%h"], env={**self.env, **env},
                                       stdout=log)
        self.worker_env = dict(env)
        if wait:
            self.wait_worker_ready()
        return self.worker

    def ensure_worker(self, **env: str) -> None:
        """A running worker with exactly these settings on top of the stack's: the current one, or a new one."""
        if self.worker is not None and self.worker.poll() is None and self.worker_env == env:
            return
        self.stop_worker()
        self.start_worker(**env)

    def wait_worker_ready(self, timeout: float = 60) -> None:
        """Consuming, and done loading the local models (which would slow its first tasks down)."""
        wait_for(lambda: re.search(r"\S+@\S+ ready\.", self.worker_log.read_text(errors="replace")) is not None,
                 timeout=timeout, what="the Celery worker to be ready", stack=self)
        self.wait_warm(self.worker_log, "the worker")

    def wait_warm(self, log: Path, name: str, timeout: float = 60) -> None:
        wait_for(lambda: WARM_LINE in log.read_text(errors="replace"), timeout=timeout, stack=self,
                 what=f"{name} to load the local models ({WARM_LINE!r} in its log)")

    def tasks_in_flight(self) -> set[str]:
        """Ids of the tasks the current worker received and has not finished (from its log)."""
        started: set[str] = set()
        for task_id, what in re.findall(r"Task \S+\[([0-9a-f-]+)\] (received|succeeded|raised|failed|retry)",
                                        self.worker_log.read_text(errors="replace")):
            (started.add if what == "received" else started.discard)(task_id)
        return started

    def wait_worker_idle(self, timeout: float = 30) -> None:
        """Every task the worker took is finished and acknowledged."""
        wait_for(lambda: not self.tasks_in_flight(), timeout=timeout, what="the worker to finish its tasks", stack=self)
        time.sleep(0.3)  # the log line comes just before the (late) acknowledgement

    def kill_worker(self) -> float:
        """SIGKILL the worker process (no shutdown, no acks, no goodbyes); the time it died."""
        assert self.worker is not None and self.worker.poll() is None, "no worker running"
        self.worker.kill()
        killed_at = time.time()
        self.worker.wait(timeout=10)
        self.worker = None
        return killed_at

    def stop_worker(self) -> None:
        if self.worker is not None:
            stop_process(self.worker)
            self.worker = None


def seed_local_models(data_dir: Path) -> None:
    """Copy the test run's router artifact, device assistant, help-answer check and help-centre index into a server's
    data dir.

    Training the router and embedding the help centre take a while on a small machine.
    The server's own `build_index` and `train_router --if-stale` reuse the copies when
    they are current (same texts, same encoder) and rebuild them when they are not.
    Server fixtures ask for `run_artifacts` first, so that there is something to copy.
    """
    for name in ("router", "router-multilingual"):  # the English router and the other languages' (rag/router/)
        for folder in (Path(settings.DATA_DIR) / name, REPO / ".data" / name):
            files = [folder / "router.json", folder / "router.npz"]
            if all(f.exists() for f in files):
                (data_dir / name).mkdir(parents=True, exist_ok=True)
                for f in files:
                    shutil.copy2(f, data_dir / name / f.name)
                break
    for folder in (Path(settings.DATA_DIR) / "device", REPO / ".data" / "device"):  # the device assistant (rag/device/)
        if (folder / "manifest.json").exists():
            shutil.copytree(folder, data_dir / "device", dirs_exist_ok=True)
            break
    for folder in (Path(settings.DATA_DIR) / "answer_check", REPO / ".data" / "answer_check"):  # rag/answerability.py
        if folder.is_dir():
            shutil.copytree(folder, data_dir / "answer_check", dirs_exist_ok=True)
            break
    from rag.index import INDEX_LANGUAGES, index_root

    for language in INDEX_LANGUAGES:  # the English index and each other language's (rag/index.py)
        current = index_root(language) / "CURRENT"
        if current.exists():
            version = current.read_text().strip()
            target = data_dir / current.parent.relative_to(Path(settings.DATA_DIR)) / version
            shutil.copytree(current.parent / version, target, dirs_exist_ok=True)


_PREPARE = """
import sys
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
if "--demo" in sys.argv:
    call_command("load_demo", verbosity=0)
call_command("build_index")
call_command("train_router", if_stale=True)
from rag.answerability import answer_check_build
from rag.section_choice import section_choice_build
answer_check_build()  # as the server's start would (shoppe/startup.py), here once for every site copied from this
section_choice_build()
"""


def prepare_site(data_dir: Path, env: dict[str, str], *, demo: bool = False) -> None:
    """Migrate, (load the demo data,) build the index and train the router for a server, in one process.

    One process rather than a `manage.py` per step: each start-up loads Django and the model stack.
    An embedded demo site (SQLite in its data dir) is prepared once per test run and copied into
    each site's own data dir: the same files the steps would write, in a tenth of a second instead
    of ten (twenty-odd browser modules each start a site).
    """
    if demo and "DATABASE_URL" not in env:
        shutil.copytree(_demo_site_template(env), data_dir, dirs_exist_ok=True)
        return
    _prepare(data_dir, env, demo=demo)


def _prepare(data_dir: Path, env: dict[str, str], *, demo: bool) -> None:
    seed_local_models(data_dir)
    done = subprocess.run([sys.executable, "-c", _PREPARE, *(["--demo"] if demo else [])], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"preparing the site failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


_demo_template: Path | None = None


def _demo_site_template(env: dict[str, str]) -> Path:
    """A prepared embedded demo site's data dir (database, secret key, index, routers), made on first use."""
    global _demo_template
    if _demo_template is None:
        import atexit
        import tempfile

        template = Path(tempfile.mkdtemp(prefix="shoppe-demo-site-"))
        atexit.register(shutil.rmtree, template, ignore_errors=True)
        _prepare(template, {**env, "SHOPPE_DATA_DIR": str(template)}, demo=True)
        _demo_template = template
    return _demo_template


@contextlib.contextmanager
def production_stack(tmp: Path, *, redis_url: str, llm_default: Reply, env: dict[str, str] | None = None,
                     db_prefix: str = "shoppe_e2e") -> Iterator[Stack]:
    """Migrate a fresh database, build the index, then run a worker and daphne; tear everything down after.

    `llm_default` is what each provider's fake answers unless a test scripts otherwise; `env` adds to or overrides
    the environment of every process. The stack waits until both servers have loaded the local models.
    """
    require_postgres()
    dbname = create_database(db_prefix)
    fakes = {provider: fake_for(provider, default=llm_default) for provider in PROVIDERS}
    try:
        with contextlib.ExitStack() as running:
            for fake in fakes.values():
                running.enter_context(fake)
            yield from _run_stack(tmp, dbname=dbname, redis_url=redis_url, fakes=fakes, env=env or {})
    finally:
        drop_database(dbname)


def _run_stack(tmp: Path, *, dbname: str, redis_url: str, fakes: dict[str, FakeGemini],
               env: dict[str, str]) -> Iterator[Stack]:
    gemini = fakes["gemini"]
    port = free_port()
    base_env = dict(os.environ)
    base_env.pop("CELERY_EMBEDDED_WORKER", None)  # production default: no worker inside daphne
    base_env.update(
        DJANGO_SETTINGS_MODULE="shoppe.settings",
        DATABASE_URL=f"postgres://postgres@{PG_HOST}:{PG_PORT}/{dbname}",
        REDIS_URL=redis_url,
        SECRET_KEY="test",
        METRICS_TOKEN=METRICS_TOKEN,  # production mode refuses to start without one
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SHOPPE_DATA_DIR=str(tmp / "data"),
        SHOPPE_MODEL_DIR=str(settings.MODEL_DIR),
        PYTHONUNBUFFERED="1",
        LLM_PROVIDER="gemini",
        GEMINI_API_KEY="test-key",
        GEMINI_BASE_URL=gemini.base_url,
        CHAT_MESSAGES_PER_MINUTE="1000",
    )
    base_env.update(env)
    stack = Stack(base_url=f"http://127.0.0.1:{port}", origin=f"http://127.0.0.1:{port}",
                  ws_url=f"ws://127.0.0.1:{port}/ws/chat/", dbname=dbname, redis_url=redis_url, env=base_env,
                  daphne_log=tmp / "daphne.log", gemini=gemini, log_dir=tmp, llm_fakes=fakes)
    try:
        prepare_site(tmp / "data", base_env)

        stack.start_worker(wait=False)
        with open(stack.daphne_log, "wb") as log:
            stack.daphne = daphne_start(port=port, env=base_env, stdout=log)
        wait_for(lambda: http_ok(stack.base_url + "/"), timeout=60, what="daphne to answer HTTP", stack=stack)
        stack.wait_warm(stack.daphne_log, "daphne")
        stack.wait_worker_ready()
        yield stack
    finally:
        for proc in (stack.daphne, stack.worker):
            if proc is not None:
                stop_process(proc)


# --- the customer's side: real HTTP and a real websocket -----------------------------


def session_cookie(stack: Stack) -> str:
    """A new visitor who opens the chat: the session cookie the widget asks for (a fresh conversation)."""
    cookie = SimpleCookie()
    with urllib.request.urlopen(stack.base_url + "/", timeout=10) as response:
        assert response.status == 200
        page = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie.load(header)
    assert "sessionid" not in cookie, "a page view made a session"
    token = re.search(r'data-csrf-token="([^"]+)"', page)
    assert token, "the chat widget carries no CSRF token"
    opened = urllib.request.Request(stack.base_url + "/chat/session/", method="POST", headers={
        "X-CSRFToken": token.group(1), "Cookie": f"csrftoken={cookie['csrftoken'].value}"})
    with urllib.request.urlopen(opened, timeout=10) as response:
        assert response.status == 204
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie.load(header)
    assert "sessionid" in cookie, "opening the chat set no session cookie"
    return f"sessionid={cookie['sessionid'].value}"


def connect(stack: Stack, cookie: str, *, open_timeout: float = 15):  # type: ignore[no-untyped-def]
    import websockets

    return websockets.connect(stack.ws_url, origin=stack.origin, additional_headers={"Cookie": cookie},
                              open_timeout=open_timeout)


async def next_event(ws: Any, timeout: float) -> dict[str, Any]:
    event = json.loads(await asyncio.wait_for(ws.recv(), timeout=timeout))
    event["_received_at"] = time.time()
    return event


async def until(ws: Any, done: Callable[[dict[str, Any]], bool], *, timeout: float, stack: Stack,
                seen: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Events received until (and including) the first one `done` accepts (also appended to `seen`)."""
    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        try:
            event = await next_event(ws, max(remaining, 0.01))
        except TimeoutError:
            pytest.fail(f"no matching event within {timeout:.0f} s; got {events}\n{stack.logs()}")
        events.append(event)
        if seen is not None:
            seen.append(event)
        if done(event):
            return events


async def quiet(ws: Any, seconds: float) -> list[dict[str, Any]]:
    """Whatever else arrives until the socket has been silent for `seconds`."""
    extra: list[dict[str, Any]] = []
    try:
        while True:
            extra.append(await next_event(ws, seconds))
    except TimeoutError:
        pass
    return extra


async def send_message(ws: Any, text: str, client_id: str) -> None:
    await ws.send(json.dumps({"type": "customer.message", "text": text, "client_id": client_id}))


async def ask(ws: Any, text: str, stack: Stack, client_id: str | None = None) -> tuple[int, dict[str, Any], list[dict]]:
    """Send a customer message; return its id, the reply's `reply.end` and all events seen."""
    client_id = client_id or str(uuid.uuid4())
    await send_message(ws, text, client_id)
    events = await until(ws, lambda e: e["type"] == "message.saved" and e["client_id"] == client_id,
                         timeout=15, stack=stack)
    assert not [e for e in events if e["type"] in ("error", "reply.failed")], events
    message_id = events[-1]["message_id"]
    assert events[-1]["text"] == text
    events += await until(
        ws, lambda e: e["type"] in ("reply.end", "reply.failed") and e.get("in_reply_to", message_id) == message_id,
        timeout=REPLY_TIMEOUT, stack=stack,
    )
    end = events[-1]
    assert end["type"] == "reply.end", f"reply failed: {events}\n{stack.logs()}"
    types = [e["type"] for e in events]
    assert "reply.start" in types and "reply.chunk" in types, types
    chunks = "".join(e["text"] for e in events if e["type"] == "reply.chunk" and e["reply_id"] == end["reply_id"])
    assert chunks == end["text"]
    return message_id, end, events


def assert_saved_once_with_one_reply(stack: Stack, client_id: str, text: str) -> int:
    """The message with this client id was saved once, is answered, and has exactly one reply, complete."""
    rows = stack.sql("SELECT id, text, status FROM support_message WHERE author = 'customer' AND client_id = %s",
                     (uuid.UUID(client_id),))
    assert len(rows) == 1, rows
    message_id, saved_text, status = rows[0]
    assert saved_text == text and status == "answered", rows
    replies = stack.sql("SELECT author, status FROM support_message WHERE in_reply_to_id = %s", (message_id,))
    assert replies == [("bot", "complete")], replies
    return message_id
