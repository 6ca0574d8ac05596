"""Server processes the drills kill with SIGKILL and start again: an embedded-mode daphne
(`make run`: SQLite, the in-memory broker and channel layer, a Celery worker thread inside
the process), and the production stack's daphne on its own port.
"""
from __future__ import annotations

import os
import sqlite3
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from tests.production_stack import Stack, free_port, http_ok, prepare_site, stop_process, wait_for
from tools import processes


@dataclass
class EmbeddedSite:
    """`make run` in a temporary data dir: one daphne with everything inside it, restartable on the same port."""

    data_dir: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    daphne: subprocess.Popen[bytes] | None = None
    logs_written: list[Path] = field(default_factory=list)

    @classmethod
    def prepared(cls, data_dir: Path, *, env: dict[str, str]) -> "EmbeddedSite":
        base = {k: v for k, v in os.environ.items()
                if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS",
                             "CELERY_EMBEDDED_WORKER"}}
        base.update(DJANGO_SETTINGS_MODULE="shoppe.settings", SHOPPE_DATA_DIR=str(data_dir),
                    SHOPPE_MODEL_DIR=str(settings.MODEL_DIR), DEBUG="1", PYTHONUNBUFFERED="1",
                    CHAT_MESSAGES_PER_MINUTE="1000", **env)
        prepare_site(data_dir, base)
        return cls(data_dir=data_dir, env=base)

    # What `tests.production_stack.connect` and `session_cookie` use.
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def origin(self) -> str:
        return self.base_url

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/chat/"

    def live_processes(self) -> list[subprocess.Popen[bytes]]:
        return [self.daphne] if self.daphne is not None else []

    def logs(self) -> str:
        return "\n".join(f"--- {path.name} (tail) ---\n{path.read_text(errors='replace')[-4000:]}"
                         for path in self.logs_written if path.exists())

    def start(self) -> None:
        path = self.data_dir / f"daphne-{len(self.logs_written) + 1}.log"
        self.logs_written.append(path)
        with open(path, "wb") as log:
            self.daphne = processes.daphne_start(port=self.port, env=self.env, stdout=log)
        # The embedded worker takes over the root logger at WARNING, so there is no warm-up line to wait for:
        # /healthz says when the local models are loaded.
        wait_for(lambda: http_ok(self.base_url + "/healthz"), timeout=90, stack=self,  # type: ignore[arg-type]
                 what="daphne to answer and load the local models (/healthz)")

    def kill(self) -> float:
        """SIGKILL: no shutdown, nothing flushed or handed over; the time it died."""
        assert self.daphne is not None and self.daphne.poll() is None, "daphne is not running"
        self.daphne.kill()
        killed_at = time.time()
        self.daphne.wait(timeout=10)
        self.daphne = None
        return killed_at

    def stop(self) -> None:
        if self.daphne is not None:
            stop_process(self.daphne)
            self.daphne = None

    @property
    def database(self) -> Path:
        return self.data_dir / "db.sqlite3"

    def sql(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.database, timeout=10) as conn:
            return conn.execute(query.replace("%s", "?"), params).fetchall()

    def execute(self, script: str) -> None:
        conn = sqlite3.connect(self.database, timeout=10)
        try:
            conn.executescript(script)
        finally:
            conn.close()

    def writer_busy(self) -> bool:
        """Whether a write transaction holds the database (SQLite has one writer at a time)."""
        conn = sqlite3.connect(self.database, timeout=0)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.rollback()
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            conn.close()


def daphne_kill(stack: Stack) -> float:
    """SIGKILL the production stack's daphne; the time it died."""
    assert stack.daphne is not None and stack.daphne.poll() is None, "daphne is not running"
    stack.daphne.kill()
    killed_at = time.time()
    stack.daphne.wait(timeout=10)
    stack.daphne = None
    return killed_at


def daphne_start(stack: Stack, **env: str) -> None:
    """A new daphne for the stack, on the same port, with `env` on top of the stack's environment."""
    assert stack.daphne is None or stack.daphne.poll() is not None, "daphne is still running"
    port = int(stack.base_url.rsplit(":", 1)[1])
    number = len(list(stack.log_dir.glob("daphne*.log"))) + 1
    stack.daphne_log = stack.log_dir / f"daphne-{number}.log"
    with open(stack.daphne_log, "wb") as log:
        stack.daphne = processes.daphne_start(port=port, env={**stack.env, **env}, stdout=log)
    wait_for(lambda: http_ok(stack.base_url + "/"), timeout=60, what="daphne to answer HTTP", stack=stack)
    stack.wait_warm(stack.daphne_log, "daphne")


def pg_execute(stack: Stack, statement: str) -> None:
    """A statement that returns no rows (DDL), on the stack's database."""
    import psycopg

    from tests.production_stack import PG_HOST, PG_PORT

    with psycopg.connect(f"postgresql://postgres@{PG_HOST}:{PG_PORT}/{stack.dbname}", autocommit=True) as conn:
        conn.execute(statement)
