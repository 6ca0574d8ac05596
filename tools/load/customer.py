"""One simulated customer's socket: asks a question, waits for its reply, records the timings."""
from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

from tools.load.plan import LoadReport, Question


class CustomerSocket:
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
