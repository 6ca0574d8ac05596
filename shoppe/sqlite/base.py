"""SQLite for the embedded mode, with the threads of one process taking turns to write.

SQLite lets one connection write at a time. When another is writing, SQLite's busy
handler sleeps and retries (1, 2, 5, 10 ... up to 100 ms a try), so a message can wait
far longer than the write it waited for. Here the threads of a process queue for a lock
instead and go the moment the writer before them is done. Other processes (a management
command, say) still meet SQLite's own busy handler.

Measured with `python -m tools.measure_sqlite_writers ENGINE 8 200 0.5` (December 2026,
this 2-core machine, the embedded settings: WAL, BEGIN IMMEDIATE, timeout 20 s): 8 threads
each saving 200 messages (a read; a transaction of an insert, 0.5 ms of Python and an update;
an autocommit insert). Django's own backend: p99 73-157 ms and the slowest message 1.3-1.8 s,
the CPU half idle while threads slept in the busy handler. With the lock: p99 30-56 ms
(one noisy run 135), slowest 57-209 ms; throughput the same within the noise (600-1,150
messages/s either way). That tail is what this module is kept for.

It uses Django's public pieces only: an execute wrapper (`connection.execute_wrappers`,
Django's database instrumentation) takes the lock for each write and, from BEGIN, for the
whole transaction; the public `commit`, `rollback` and `close` give it back.

It also keeps no debug log of every query when DEBUG is on (the embedded default),
unless SQL_DEBUG is set: that log ran an extra query per query to quote parameters.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.backends.sqlite3 import base

_writer = threading.RLock()  # one SQLite file per process, one writer at a time
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")


def _writers_take_turns(execute: Callable[..., Any], sql: str, params: Any, many: bool,
                        context: dict[str, Any]) -> Any:
    """Django execute wrapper: writes wait for the lock; BEGIN keeps it until commit, rollback or close."""
    head = sql.lstrip()[:6].upper()
    connection = context["connection"]
    if head.startswith("BEGIN") and not connection.holds_writer:
        _writer.acquire()
        try:
            result = execute(sql, params, many, context)
        except BaseException:
            _writer.release()
            raise
        connection.holds_writer = True
        return result
    if many or head in _WRITES:
        with _writer:
            return execute(sql, params, many, context)
    return execute(sql, params, many, context)


class DatabaseWrapper(base.DatabaseWrapper):
    holds_writer = False  # True from BEGIN to the end of this connection's transaction

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.execute_wrappers.append(_writers_take_turns)

    @property
    def queries_logged(self) -> bool:
        return self.force_debug_cursor or settings.SQL_DEBUG

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._release_writer_after_transaction()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._release_writer_after_transaction()

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self.connection is None or self.closed_in_transaction:
                self._release_writer()

    def _release_writer_after_transaction(self) -> None:
        try:
            in_transaction = self.connection is not None and self.connection.in_transaction
        except base.Database.ProgrammingError:  # closed
            in_transaction = False
        if not in_transaction:
            self._release_writer()

    def _release_writer(self) -> None:
        if self.holds_writer:
            self.holds_writer = False
            _writer.release()
