"""How much durability each kind of write needs."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import connection


@contextlib.contextmanager
def commits_without_waiting_for_disk() -> Iterator[None]:
    """Writes that can be made again (the assistant's routing decision and reply, a new
    conversation or session) commit on PostgreSQL without waiting for the WAL flush.

    An answer commits several times; on a build machine whose disk took about 9 ms a
    flush, that capped a server at a few dozen messages a second (on a fast disk, where
    a flush costs 0.2 ms, it matters little). The customer's own
    message is not written here: it is saved with a full flush before `message.saved`
    tells the widget it is safe. A database crash can lose at most the last fraction
    of a second of replies (never corrupt anything); their messages then stay
    `received`, and the stranded-message sweep answers them (support.services.recovery).
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")
