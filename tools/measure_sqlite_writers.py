"""Writers on one SQLite file: threads each saving messages in short transactions (see shoppe/sqlite/base.py).

    python -m tools.measure_sqlite_writers ENGINE [threads] [messages_per_thread] [python_ms_in_transaction]

ENGINE is shoppe.sqlite or django.db.backends.sqlite3; the options mirror shoppe.settings' embedded mode.
A throwaway database in a temporary folder; no shop data is touched.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import django
from django.conf import settings

engine = sys.argv[1]
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 8
per_thread = int(sys.argv[3]) if len(sys.argv) > 3 else 200
python_ms = float(sys.argv[4]) if len(sys.argv) > 4 else 0.5  # the ORM's own work inside a transaction


def python_work(ms: float) -> None:
    until = time.perf_counter() + ms / 1000
    while time.perf_counter() < until:
        pass


folder = Path(tempfile.mkdtemp())
settings.configure(
    DATABASES={"default": {"ENGINE": engine, "NAME": folder / "db.sqlite3", "CONN_MAX_AGE": None,
                           "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE",
                                       "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}}},
    SQL_DEBUG=False, INSTALLED_APPS=[], USE_TZ=True)
django.setup()
sys.setswitchinterval(0.0005)  # as the server sets it (SERVER_GIL_SWITCH_INTERVAL_S)
from django.db import connection, transaction  # noqa: E402

from shoppe.percentiles import percentile_cont  # noqa: E402

with connection.cursor() as c:
    c.execute("CREATE TABLE message (id INTEGER PRIMARY KEY, conversation INTEGER, body TEXT)")
    c.execute("CREATE TABLE conversation (id INTEGER PRIMARY KEY, messages INTEGER)")
    c.executemany("INSERT INTO conversation VALUES (%s, 0)", [(i,) for i in range(threads)])
connection.close()

latencies: list[float] = []
lock = threading.Lock()


def customer(n: int) -> None:
    mine = []
    for i in range(per_thread):
        started = time.perf_counter()
        with connection.cursor() as c:  # a read, then a message saved with its conversation
            c.execute("SELECT COUNT(*) FROM message WHERE conversation = %s", [n])
        with transaction.atomic():
            with connection.cursor() as c:
                c.execute("INSERT INTO message (conversation, body) VALUES (%s, %s)", [n, f"message {i}"])
                python_work(python_ms)
                c.execute("UPDATE conversation SET messages = messages + 1 WHERE id = %s", [n])
        with connection.cursor() as c:  # an autocommit write, as a decision row is
            c.execute("INSERT INTO message (conversation, body) VALUES (%s, %s)", [n, "reply"])
        mine.append(time.perf_counter() - started)
    connection.close()
    with lock:
        latencies.extend(mine)


workers = [threading.Thread(target=customer, args=(n,)) for n in range(threads)]
started = time.perf_counter()
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
elapsed = time.perf_counter() - started
latencies.sort()
print(f"{engine:28} {threads} threads, {python_ms} ms in tx: {len(latencies) / elapsed:7.0f} messages/s, "
      f"p50 {percentile_cont(latencies, .5) * 1000:6.1f} ms, p99 {percentile_cont(latencies, .99) * 1000:7.1f} ms, "
      f"max {latencies[-1] * 1000:7.1f} ms, cpu {time.process_time() / elapsed:.0%}")
shutil.rmtree(folder)
