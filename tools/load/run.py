"""The run itself: open the sockets, send at a steady rate, wait for the last replies, read the server."""
from __future__ import annotations

import asyncio
import itertools
import resource
import time
from datetime import datetime, timezone

from tools.load.customer import CustomerSocket
from tools.load.plan import ROUTINE_QUESTIONS, LoadPlan, LoadReport
from tools.load.sampler import ServerSampler


def _raise_open_files_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))


async def _open_all(connections: list[CustomerSocket], plan: LoadPlan) -> None:
    gap = 1 / plan.connect_rate
    pending = []
    for connection in connections:
        pending.append(asyncio.create_task(connection.open(plan.origin)))
        await asyncio.sleep(gap)
    await asyncio.gather(*pending)


async def _send_steadily(active: list[CustomerSocket], plan: LoadPlan, report: LoadReport) -> None:
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
    report = LoadReport(plan=plan, started_at=datetime.now(tz=timezone.utc))
    sampler = ServerSampler(plan.server_pids) if plan.server_pids else None
    urls = itertools.cycle(plan.urls)
    active = [CustomerSocket(i, next(urls), report) for i in range(plan.connections)]
    idle = [CustomerSocket(plan.connections + i, next(urls), report) for i in range(plan.idle_connections)]
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


def load_run(plan: LoadPlan, *, check_database: bool = True, remove: bool = True) -> LoadReport:
    """Run `plan`; then check every message in the database and remove the run's own conversations."""
    from tools.load.database import load_check_database

    report = asyncio.run(load_run_async(plan))
    if check_database:
        load_check_database(report, remove=remove)
    return report
