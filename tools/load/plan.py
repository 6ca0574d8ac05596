"""What a load run is asked to do (`LoadPlan`), and what it found (`LoadReport`, one `Question` per message)."""
from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from shoppe.percentiles import percentile_cont

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
    started_at: datetime | None = None  # wall clock when the first connection opened: the run's rows are newer
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
    conversations_removed: int = 0
    conversations_kept: list[str] = field(default_factory=list)  # seen by the run, not provably its own: not deleted
    client_cpu_percent: float = 0.0
    server: dict[str, float] = field(default_factory=dict)
    database: dict[str, int] = field(default_factory=dict)

    @property
    def latencies_ms(self) -> list[float]:
        return sorted((q.ended_at - q.sent_at) * 1000 for q in self.questions if q.ended_at is not None)

    def percentile(self, p: float, values: list[float] | None = None) -> float:
        """The `p`th percentile of sorted `values` (the run's latencies by default), NaN when there are none.

        Interpolated between the two nearest values (PERCENTILE_CONT), as on the ops dashboard.
        """
        found = percentile_cont(self.latencies_ms if values is None else values, p / 100)
        return float("nan") if found is None else found

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
            "conversations_removed": self.conversations_removed,
            "conversations_kept": len(self.conversations_kept),
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
        if self.conversations_kept:
            found.append(f"database: {len(self.conversations_kept)} conversations not the run's own, kept")
        return found
