"""What a server process sets up before its first customer: the threads that save and answer messages."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What the `daphne` command does (`daphne.cli`): its server module creates the event loop, then
# the application is loaded; no socket connects. Then twice as many blocking jobs as
# SERVER_THREADS go to the loop's default pool at once, and each says which thread ran it.
LOADED_AS_DAPHNE_LOADS_IT = """
import asyncio, json, threading, time
import daphne.server
from daphne.cli import CommandLineInterface

CommandLineInterface().load_asgi_app("shoppe.asgi:application")
loop = daphne.server.twisted_loop

def job():
    time.sleep(0.3)
    return threading.current_thread().name

async def jobs():
    return await asyncio.gather(*(loop.run_in_executor(None, job) for _ in range(6)))

print(json.dumps(sorted(set(loop.run_until_complete(jobs())))))
"""


def test_the_chat_threads_are_sized_when_the_server_loads_before_any_socket_connects(tmp_path: Path):
    # given a server process configured for 3 chat threads, with nothing else starting in it
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "ASGI_THREADS"}}
    env.update(DJANGO_SETTINGS_MODULE="shoppe.settings", SHOPPE_DATA_DIR=str(tmp_path), SERVER_THREADS="3",
               RAG_WARM_UP="0", CELERY_EMBEDDED_WORKER="0", STRANDED_MESSAGE_SWEEP_S="0")
    # when daphne has loaded the application, and no socket has connected
    result = subprocess.run([sys.executable, "-c", LOADED_AS_DAPHNE_LOADS_IT], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    # then its loop's work runs on exactly the three chat threads (asyncio's own pool would be "asyncio_*")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == ["chat_0", "chat_1", "chat_2"]


def test_the_index_and_the_routers_are_built_side_by_side_and_a_failure_is_not_hidden():
    """A fresh clone's start builds the help index and trains both routers (shoppe/startup.py `side_by_side`):
    measured 110.9 s one after another, 75.6 s side by side, with the same artifacts."""
    import threading

    import pytest

    from shoppe.startup import side_by_side

    both_running = threading.Barrier(2, timeout=10)  # one after another, the first would wait here in vain
    side_by_side([both_running.wait, both_running.wait])

    finished = []

    def fails() -> None:
        raise RuntimeError("the index could not be built")

    with pytest.raises(RuntimeError, match="could not be built"):
        side_by_side([fails, lambda: finished.append("router")])
    assert finished == ["router"]  # the other job ran to its end
