"""`--serve N`: the load run starts its own servers with this environment (tools.processes, as the tests do)."""
from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator

from tools.processes import daphne_start, free_port, http_ok, stop_process, wait_until, worker_start

WORKER_ARGV = ["celery", "-A", "shoppe", "worker", "--loglevel=WARNING"]
READY_TIMEOUT_S = 120


@contextlib.contextmanager
def servers_started(*, daphnes: int, worker: bool, log_dir: str) -> Iterator[tuple[list[str], list[int]]]:
    """Start `daphnes` daphne processes (and a Celery worker) on free loopback ports with this
    environment, wait until each one's /healthz passes, and yield their socket URLs and pids.

    The per-address limits are switched off for them: every simulated customer comes
    from 127.0.0.1.
    """
    env = dict(os.environ, CHAT_MESSAGES_PER_MINUTE_PER_ADDRESS="0", CHAT_CONNECTIONS_PER_MINUTE_PER_ADDRESS="0",
               PYTHONUNBUFFERED="1")
    processes: list[subprocess.Popen[bytes]] = []
    urls, health = [], []
    try:
        for n in range(daphnes):
            port = free_port()
            with open(os.path.join(log_dir, f"load-daphne-{n}.log"), "wb") as log:
                processes.append(daphne_start(port=port, env=env, stdout=log))
            urls.append(f"ws://127.0.0.1:{port}/ws/chat/")
            health.append(f"http://127.0.0.1:{port}/healthz")
        pids = [p.pid for p in processes]
        if worker:
            with open(os.path.join(log_dir, "load-worker.log"), "wb") as log:
                processes.append(worker_start(argv=WORKER_ARGV, env=env, stdout=log))
            pids.append(processes[-1].pid)
        for url in health:
            try:
                wait_until(lambda: http_ok(url, timeout=5), processes=processes, timeout=READY_TIMEOUT_S,
                           what=f"{url} to pass", interval=0.5)
            except RuntimeError as exc:
                raise RuntimeError(f"{exc}; see the logs in {log_dir}") from exc
        yield urls, pids
    finally:
        for process in processes:
            stop_process(process, timeout=15)
