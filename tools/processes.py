"""Start and stop the shop's server processes: daphne and a Celery worker, on free loopback ports.

One starter for the load tool (`tools.load.servers`) and the test suite (`tests/production_stack.py`,
`tests/browser.py`, `tests/test_server_process.py`): the same command lines, the same readiness check
(`/healthz` 200: ready to chat, not only serving pages), the same way down (SIGTERM, then SIGKILL).
"""
from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_ok(url: str, *, timeout: float = 2) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def daphne_start(*, port: int, env: dict[str, str], stdout: IO[bytes], stderr: IO[bytes] | int = subprocess.STDOUT
                 ) -> subprocess.Popen[bytes]:
    """`make run`'s server (daphne with the shop's ASGI application) on 127.0.0.1:`port`."""
    return subprocess.Popen([str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "shoppe.asgi:application"],
                            cwd=REPO, env=env, stdout=stdout, stderr=stderr)


def worker_start(*, argv: Sequence[str], env: dict[str, str], stdout: IO[bytes]) -> subprocess.Popen[bytes]:
    """`celery -A shoppe worker ...`: `argv` without the program's path, which is the venv's."""
    return subprocess.Popen([str(BIN / argv[0]), *argv[1:]], cwd=REPO, env=env, stdout=stdout,
                            stderr=subprocess.STDOUT)


def wait_until(check: Callable[[], bool], *, processes: Sequence[subprocess.Popen[bytes]], timeout: float,
               what: str, interval: float = 0.2) -> None:
    """Poll `check` until true; RuntimeError when one of `processes` exits first or on the time-out."""
    deadline = time.monotonic() + timeout
    while not check():
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"{process.args!r} exited with {process.returncode} while waiting for {what}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def stop_process(proc: subprocess.Popen[bytes], *, timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL if it does not go."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
