"""A load run against the chat socket: many customers at once, every reply timed and checked.

`python manage.py chat_load --url ws://127.0.0.1:8000/ws/chat/ --connections 500 --rate 100 --duration 60`
opens the connections, sends routine questions at a steady rate (each connection waits
for its reply before it asks again), and times each one from send to `reply.end`.
Afterwards it checks in the database that every message it sent was saved exactly
once and answered exactly once, and it reports the server's CPU and memory
(`--server-pid`, the process and its children). `--idle N` holds N more connections
that send nothing, and checks at the end that each still answers a ping.

It only talks to loopback addresses and is bounded in connections, rate and time, so
it cannot be turned on someone else's server by mistake.
"""
from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

MAX_CONNECTIONS = 5_000
MAX_RATE = 500.0
MAX_DURATION_S = 600.0
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}

# Routine questions a shopper asks, all answered from the help pages.
ROUTINE_QUESTIONS = [
    "how long does delivery take?",
    "which payment methods do you accept?",
    "how do I return something I bought?",
    "do you ship to Belgium?",
    "can I pay with PayPal?",
    "how much does shipping cost?",
    "how do I reset my password?",
    "what is your returns policy?",
    "do you sell gift cards?",
    "how do I create an account?",
    "is there express delivery?",
    "how can I change my email address?",
]


@dataclass
class LoadPlan:
    urls: list[str]
    connections: int
    rate: float  # messages per second, over all connections
    duration_s: float
    idle_connections: int = 0
    connect_rate: float = 100.0  # new connections per second while ramping up
    drain_s: float = 15.0  # how long to wait for the last replies
    settle_s: float = 1.0  # pause between opening the connections and the first message
    origin: str = ""
    server_pids: list[int] = field(default_factory=list)

    def check(self) -> None:
        for url in self.urls:
            parsed = urlparse(url)
            if parsed.scheme not in {"ws", "wss"} or parsed.hostname not in LOOPBACK_HOSTS:
                raise ValueError(f"{url}: the load tool only talks to ws:// on loopback")
        if not 1 <= self.connections + self.idle_connections <= MAX_CONNECTIONS:
            raise ValueError(f"connections plus idle connections must be 1..{MAX_CONNECTIONS}")
        if not 0 < self.rate <= MAX_RATE:
            raise ValueError(f"rate must be in (0, {MAX_RATE:g}] messages/s")
        if not 0 < self.duration_s <= MAX_DURATION_S:
            raise ValueError(f"duration must be in (0, {MAX_DURATION_S:g}] s")


@dataclass
class Question:
    client_id: str
    connection: int
    sent_at: float
    message_id: int | None = None
    saved_at: float | None = None
    reply_id: int | None = None
    ended_at: float | None = None
    route: str = ""
    failed: str = ""


@dataclass
class LoadReport:
    plan: LoadPlan
    wall_s: float = 0.0
    questions: list[Question] = field(default_factory=list)
    connections_opened: int = 0
    connect_failures: Counter[str] = field(default_factory=Counter)
    connections_dropped: int = 0
    idle_alive_at_end: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    error_examples: list[dict[str, Any]] = field(default_factory=list)
    routes: Counter[str] = field(default_factory=Counter)
    not_sent_busy: int = 0
    conversation_ids: set[str] = field(default_factory=set)
    client_cpu_percent: float = 0.0
    server: dict[str, float] = field(default_factory=dict)
    database: dict[str, int] = field(default_factory=dict)

    @property
    def latencies_ms(self) -> list[float]:
        return sorted((q.ended_at - q.sent_at) * 1000 for q in self.questions if q.ended_at is not None)

    def percentile(self, p: float, values: list[float] | None = None) -> float:
        values = self.latencies_ms if values is None else values
        if not values:
            return float("nan")
        return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]

    def stage_ms(self) -> dict[str, float]:
        """Where the time went: send to `message.saved`, and `message.saved` to `reply.end`."""
        done = [q for q in self.questions if q.ended_at is not None and q.saved_at is not None]
        to_saved = sorted((q.saved_at - q.sent_at) * 1000 for q in done)  # type: ignore[operator]
        to_end = sorted((q.ended_at - q.saved_at) * 1000 for q in done)  # type: ignore[operator]
        return {"saved_p50": round(self.percentile(50, to_saved), 1), "saved_p95": round(self.percentile(95, to_saved), 1),
                "answered_p50": round(self.percentile(50, to_end), 1), "answered_p95": round(self.percentile(95, to_end), 1)}

    def p95_per_window(self, window_s: float) -> list[float]:
        """p95 of the replies to messages sent in each `window_s` of the run: a backlog shows as a rising line."""
        done = [q for q in self.questions if q.ended_at is not None]
        if not done:
            return []
        start = min(q.sent_at for q in done)
        windows: dict[int, list[float]] = {}
        for q in done:
            windows.setdefault(int((q.sent_at - start) // window_s), []).append((q.ended_at - q.sent_at) * 1000)  # type: ignore[operator]
        return [round(self.percentile(95, sorted(windows[w])), 1) for w in sorted(windows)]

    def summary(self) -> dict[str, Any]:
        answered = sum(1 for q in self.questions if q.ended_at is not None)
        return {
            "connections": self.plan.connections,
            "connections_opened": self.connections_opened,
            "connect_failures": dict(self.connect_failures),
            "connections_dropped": self.connections_dropped,
            "idle_connections": self.plan.idle_connections,
            "idle_alive_at_end": self.idle_alive_at_end,
            "target_rate": self.plan.rate,
            "sent": len(self.questions),
            "achieved_rate": round(len(self.questions) / self.plan.duration_s, 1),
            "answered": answered,
            "unanswered": len(self.questions) - answered,
            "not_sent_busy": self.not_sent_busy,
            "unanswered_examples": [
                {"client_id": q.client_id, "connection": q.connection, "message_id": q.message_id,
                 "reply_id": q.reply_id, "failed": q.failed}
                for q in self.questions if q.ended_at is None][:5],
            "errors": dict(self.errors),
            "error_examples": self.error_examples,
            "routes": dict(self.routes),
            "p50_ms": round(self.percentile(50), 1),
            "p95_ms": round(self.percentile(95), 1),
            "p99_ms": round(self.percentile(99), 1),
            "max_ms": round(max(self.latencies_ms, default=float("nan")), 1),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 1) if self.latencies_ms else None,
            "stages_ms": self.stage_ms(),
            "p95_ms_per_10s": self.p95_per_window(10.0),
            "server": self.server,
            "load_tool_cpu_percent": self.client_cpu_percent,
            "database": self.database,
        }

    def failures(self, *, p95_target_ms: float) -> list[str]:
        """What makes this run miss its targets; empty when it passes."""
        s = self.summary()
        found = []
        if s["connect_failures"]:
            found.append(f"connections failed: {s['connect_failures']}")
        if s["connections_dropped"]:
            found.append(f"{s['connections_dropped']} connections dropped")
        if self.plan.idle_connections and s["idle_alive_at_end"] != self.plan.idle_connections:
            found.append(f"only {s['idle_alive_at_end']} of {self.plan.idle_connections} idle connections alive")
        if s["errors"]:
            found.append(f"errors: {s['errors']}")
        if s["unanswered"]:
            found.append(f"{s['unanswered']} messages got no reply.end")
        if s["achieved_rate"] < 0.95 * self.plan.rate:
            found.append(f"sent {s['achieved_rate']} messages/s, asked for {self.plan.rate:g}")
        if not s["p95_ms"] <= p95_target_ms:
            found.append(f"p95 {s['p95_ms']} ms is over {p95_target_ms:g} ms")
        for name in ("lost", "duplicated", "not_answered", "answered_twice"):
            if self.database.get(name):
                found.append(f"database: {self.database[name]} {name.replace('_', ' ')}")
        return found


class _Connection:
    """One customer's socket: sends a question, waits for its reply, records the timings."""

    def __init__(self, index: int, url: str, report: LoadReport) -> None:
        self.index = index
        self.url = url
        self.report = report
        self.socket: Any = None
        self.waiting: Question | None = None
        self.by_message: dict[int, Question] = {}
        self.by_reply: dict[int, Question] = {}
        self.pong = asyncio.Event()
        self.closed = False

    async def open(self, origin: str) -> bool:
        from websockets.asyncio.client import connect

        try:
            self.socket = await connect(self.url, origin=origin, open_timeout=30, max_size=2**22,
                                        ping_interval=None, compression=None)
        except Exception as exc:  # noqa: BLE001 - every failure is counted by its kind
            self.report.connect_failures[type(exc).__name__] += 1
            return False
        self.report.connections_opened += 1
        self.reader = asyncio.create_task(self._read())
        return True

    def ask(self, text: str) -> None:
        """Record the question now (so the run waits for its reply) and send it in the background."""
        question = Question(client_id=str(uuid.uuid4()), connection=self.index, sent_at=time.perf_counter())
        self.waiting = question
        self.report.questions.append(question)
        self.sending = asyncio.create_task(self._send(question, text))

    async def _send(self, question: Question, text: str) -> None:
        try:
            await self.socket.send(json.dumps({"type": "customer.message", "text": text,
                                               "client_id": question.client_id}))
        except Exception:  # noqa: BLE001
            question.failed = "send failed"
            self.report.errors["send_failed"] += 1
            self.waiting = None

    async def ping(self, timeout: float) -> bool:
        if self.closed:
            return False
        self.pong.clear()
        try:
            await self.socket.send(json.dumps({"type": "ping"}))
            await asyncio.wait_for(self.pong.wait(), timeout)
        except Exception:  # noqa: BLE001
            return False
        return True

    async def close(self) -> None:
        if self.socket is not None and not self.closed:
            self.closed = True
            await self.socket.close()

    async def _read(self) -> None:
        try:
            async for raw in self.socket:
                self._on_event(json.loads(raw), time.perf_counter())
        except Exception:  # noqa: BLE001 - a dropped connection is counted below
            pass
        if not self.closed:
            self.closed = True
            self.report.connections_dropped += 1

    def _on_event(self, event: dict[str, Any], now: float) -> None:
        kind = event.get("type")
        question = self.waiting
        if kind == "pong":
            self.pong.set()
        elif kind == "history":
            self.report.conversation_ids.add(event["conversation_id"])
        elif kind == "message.saved" and question and event.get("client_id") == question.client_id:
            question.message_id = event["message_id"]
            question.saved_at = now
            self.by_message[event["message_id"]] = question
        elif kind == "reply.start" and event.get("in_reply_to") in self.by_message:
            question = self.by_message[event["in_reply_to"]]
            question.reply_id = event["reply_id"]
            self.by_reply[event["reply_id"]] = question
        elif kind == "reply.end" and event.get("reply_id") in self.by_reply:
            question = self.by_reply[event["reply_id"]]
            question.ended_at = now
            question.route = event.get("route", "")
            self.report.routes[question.route] += 1
            if self.waiting is question:
                self.waiting = None
        elif kind in {"error", "reply.failed"}:
            self.report.errors[event.get("code") or kind] += 1
            if len(self.report.error_examples) < 3:
                self.report.error_examples.append(dict(event, connection=self.index))
            if question and event.get("client_id") in (None, question.client_id):
                question.failed = kind
                self.waiting = None


class _ServerSampler:
    """CPU time and resident memory of the server processes and their children, from /proc."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.peak_rss_mb = 0.0
        self._tick = os.sysconf("SC_CLK_TCK")

    def process_tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                children.setdefault(ppid, []).append(int(entry))
        found, todo = [], list(self.pids)
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(children.get(pid, []))
        return found

    def cpu_seconds(self) -> float:
        total = 0
        for pid in self.process_tree():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
            except (OSError, IndexError, ValueError):
                continue
        return total / self._tick

    def sample_memory(self) -> None:
        rss_kb = 0
        for pid in self.process_tree():
            try:
                with open(f"/proc/{pid}/status") as f:
                    rss_kb += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
            except (OSError, StopIteration, ValueError):
                continue
        self.peak_rss_mb = max(self.peak_rss_mb, rss_kb / 1024)


def _raise_open_files_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))


async def _open_all(connections: list[_Connection], plan: LoadPlan) -> None:
    gap = 1 / plan.connect_rate
    pending = []
    for connection in connections:
        pending.append(asyncio.create_task(connection.open(plan.origin)))
        await asyncio.sleep(gap)
    await asyncio.gather(*pending)


async def _send_steadily(active: list[_Connection], plan: LoadPlan, report: LoadReport) -> None:
    """Send `rate` messages a second, round robin over the connections.

    Like a person, a connection asks only once its last reply has arrived, and no more
    often than its share of the rate (with 500 connections at 100 messages/s, every
    5 s). A tick with no connection free is counted in `not_sent_busy`: the server
    is not keeping up.
    """
    questions = itertools.cycle(ROUTINE_QUESTIONS)
    ring = itertools.cycle(active)
    share_s = 0.9 * len(active) / plan.rate
    last_asked: dict[int, float] = {}
    start = time.perf_counter()
    total = int(plan.rate * plan.duration_s)
    for n in range(total):
        delay = start + n / plan.rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        now = time.perf_counter()
        for _ in range(len(active)):
            connection = next(ring)
            if (not connection.closed and connection.waiting is None
                    and now - last_asked.get(connection.index, -share_s) >= share_s):
                last_asked[connection.index] = now
                connection.ask(next(questions))
                break
        else:
            report.not_sent_busy += 1


async def _drain(report: LoadReport, timeout: float) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if all(q.ended_at is not None or q.failed for q in report.questions):
            return
        await asyncio.sleep(0.1)


async def load_run_async(plan: LoadPlan) -> LoadReport:
    plan.check()
    _raise_open_files_limit(plan.connections + plan.idle_connections + 256)
    report = LoadReport(plan=plan)
    sampler = _ServerSampler(plan.server_pids) if plan.server_pids else None
    urls = itertools.cycle(plan.urls)
    active = [_Connection(i, next(urls), report) for i in range(plan.connections)]
    idle = [_Connection(plan.connections + i, next(urls), report) for i in range(plan.idle_connections)]
    await _open_all(idle + active, plan)
    active = [c for c in active if c.socket is not None]
    await asyncio.sleep(plan.settle_s)  # let the history events of the last connections arrive

    cpu_before = sampler.cpu_seconds() if sampler else 0.0
    client_cpu_before = time.process_time()
    started = time.perf_counter()

    async def watch_memory() -> None:
        while sampler:
            sampler.sample_memory()
            await asyncio.sleep(1)

    watcher = asyncio.create_task(watch_memory())
    await _send_steadily(active, plan, report)
    await _drain(report, plan.drain_s)
    report.wall_s = time.perf_counter() - started
    report.client_cpu_percent = round(100 * (time.process_time() - client_cpu_before) / report.wall_s, 1)
    watcher.cancel()
    if sampler:
        sampler.sample_memory()
        report.server = {
            "cpu_percent": round(100 * (sampler.cpu_seconds() - cpu_before) / report.wall_s, 1),
            "peak_rss_mb": round(sampler.peak_rss_mb, 1),
            "processes": len(sampler.process_tree()),
        }
    pings = await asyncio.gather(*(c.ping(10) for c in idle if c.socket is not None))
    report.idle_alive_at_end = sum(pings)
    await asyncio.gather(*(c.close() for c in idle + active), return_exceptions=True)
    return report


def load_check_database(report: LoadReport, *, remove: bool = True) -> dict[str, int]:
    """Every message sent saved exactly once and answered exactly once, from the database.

    The run's conversations are then removed (`remove`), so a load run leaves no trace
    in the shop's figures.
    """
    from django.db.models import Count

    from support.models import Conversation, Message

    client_ids = [uuid.UUID(q.client_id) for q in report.questions if q.failed != "send failed"]
    saved: Counter[str] = Counter()
    replies: Counter[str] = Counter()
    for start in range(0, len(client_ids), 500):
        chunk = client_ids[start:start + 500]
        for row in Message.objects.filter(client_id__in=chunk).values("client_id"):
            saved[str(row["client_id"])] += 1
        rows = (Message.objects.filter(in_reply_to__client_id__in=chunk, author=Message.Author.BOT)
                .values("in_reply_to__client_id").annotate(n=Count("id")))
        for row in rows:
            replies[str(row["in_reply_to__client_id"])] += row["n"]
    ids = [str(c) for c in client_ids]
    result = {
        "sent": len(ids),
        "saved": sum(1 for c in ids if saved[c] >= 1),
        "lost": sum(1 for c in ids if saved[c] == 0),
        "duplicated": sum(1 for c in ids if saved[c] > 1),
        "not_answered": sum(1 for c in ids if saved[c] and replies[c] == 0),
        "answered_twice": sum(1 for c in ids if replies[c] > 1),
    }
    if remove:
        conversation_ids = sorted(report.conversation_ids)
        for start in range(0, len(conversation_ids), 500):
            Conversation.objects.filter(id__in=conversation_ids[start:start + 500]).delete()
    report.database = result
    return result


def load_run(plan: LoadPlan, *, check_database: bool = True, remove: bool = True) -> LoadReport:
    report = asyncio.run(load_run_async(plan))
    if check_database:
        load_check_database(report, remove=remove)
    return report


@contextlib.contextmanager
def servers_started(*, daphnes: int, worker: bool, log_dir: str) -> Iterator[tuple[list[str], list[int]]]:
    """Start `daphnes` daphne processes (and a Celery worker) on free loopback ports with this
    environment, wait until each one's /healthz passes, and yield their socket URLs and pids.

    The per-address limits are switched off for them: every simulated customer comes
    from 127.0.0.1.
    """
    env = dict(os.environ, CHAT_MESSAGES_PER_MINUTE_PER_ADDRESS="0", CHAT_CONNECTIONS_PER_MINUTE_PER_ADDRESS="0",
               PYTHONUNBUFFERED="1")
    bin_dir = os.path.dirname(sys.executable)
    processes: list[subprocess.Popen[bytes]] = []
    urls, health = [], []
    try:
        for n in range(daphnes):
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            log = open(os.path.join(log_dir, f"load-daphne-{n}.log"), "wb")
            processes.append(subprocess.Popen(
                [os.path.join(bin_dir, "daphne"), "-b", "127.0.0.1", "-p", str(port), "shoppe.asgi:application"],
                env=env, stdout=log, stderr=subprocess.STDOUT))
            urls.append(f"ws://127.0.0.1:{port}/ws/chat/")
            health.append(f"http://127.0.0.1:{port}/healthz")
        pids = [p.pid for p in processes]
        if worker:
            log = open(os.path.join(log_dir, "load-worker.log"), "wb")
            processes.append(subprocess.Popen(
                [os.path.join(bin_dir, "celery"), "-A", "shoppe", "worker", "--loglevel=WARNING"],
                env=env, stdout=log, stderr=subprocess.STDOUT))
            pids.append(processes[-1].pid)
        deadline = time.monotonic() + 120
        for url in health:
            while True:
                if any(p.poll() is not None for p in processes):
                    raise RuntimeError(f"a server exited while starting; see the logs in {log_dir}")
                try:
                    with urllib.request.urlopen(url, timeout=5) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{url} did not pass within 120 s; see the logs in {log_dir}")
                time.sleep(0.5)
        yield urls, pids
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
