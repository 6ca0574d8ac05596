"""SQLite for the embedded mode, with the threads of one process taking turns to write.

SQLite lets one connection write at a time. When another is writing, SQLite's busy
handler sleeps and retries (1, 2, 5, 10 ... up to 100 ms a try), so under load a
message could wait far longer than the write it waited for: at 100 messages/s the
chat's threads spent seconds asleep with the CPU half idle. Here the threads of a
process queue for a lock instead and go the moment the writer before them is done.
Other processes (a management command, say) still meet SQLite's own busy handler.

It also keeps no debug log of every query when DEBUG is on (the embedded default),
unless SQL_DEBUG is set: that log ran an extra query per query to quote parameters.
"""
from __future__ import annotations

import threading

from django.conf import settings
from django.db.backends.sqlite3 import base

_writer = threading.RLock()  # one SQLite file per process, one writer at a time
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    def execute(self, query, params=None):  # type: ignore[no-untyped-def]
        if query.lstrip()[:6].upper() in _WRITES:
            with _writer:
                return super().execute(query, params)
        return super().execute(query, params)

    def executemany(self, query, param_list):  # type: ignore[no-untyped-def]
        with _writer:
            return super().executemany(query, param_list)


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_writer = False

    @property
    def queries_logged(self) -> bool:
        return self.force_debug_cursor or settings.SQL_DEBUG

    def create_cursor(self, name=None):  # type: ignore[no-untyped-def]
        return self.connection.cursor(factory=SQLiteCursorWrapper)

    def _start_transaction_under_autocommit(self) -> None:
        # A transaction holds the lock from BEGIN to COMMIT or ROLLBACK, as SQLite's does.
        _writer.acquire()
        self._holds_writer = True
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writer()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()
        finally:
            self._release_writer()

    def _rollback(self) -> None:
        try:
            super()._rollback()
        finally:
            self._release_writer()

    def _close(self) -> None:
        try:
            super()._close()
        finally:
            self._release_writer()

    def _release_writer(self) -> None:
        if self._holds_writer:
            self._holds_writer = False
            _writer.release()
