"""The embedded mode's two tuned framework pieces still hook into Django and Channels.

`shoppe/channel_layers.py` and `shoppe/sqlite/base.py` keep their figures in their docstrings;
these tests show that the hooks they rely on are still called, so that an upgrade which
renames them fails here instead of going quietly slow.
"""
from __future__ import annotations

import asyncio
import threading

import pytest
from django.db import connection, transaction

from shoppe.channel_layers import InMemoryChannelLayer
from shoppe.sqlite.base import _writer


def test_the_in_memory_layer_sweeps_at_most_once_a_second_yet_delivers_every_event():
    async def exchange() -> list[dict]:
        layer = InMemoryChannelLayer()
        channel = await layer.new_channel("chat.")
        await layer.group_add("conversation-1", channel)
        for n in range(3):
            await layer.group_send("conversation-1", {"type": "chat.event", "n": n})
        swept_at = layer._cleaned_at
        received = [await layer.receive(channel) for _ in range(3)]
        assert swept_at > 0, "Channels no longer calls _clean_expired: the override does nothing"
        assert layer._cleaned_at == swept_at, "swept again within the second"
        return received

    assert [m["n"] for m in asyncio.run(exchange())] == [0, 1, 2]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the writers' lock is the embedded SQLite's")
@pytest.mark.django_db(transaction=True)
def test_a_sqlite_transaction_holds_the_writers_lock_from_begin_to_commit_or_rollback():
    def another_thread_can_write() -> bool:
        got = []
        thread = threading.Thread(target=lambda: got.append(_writer.acquire(timeout=0.05)) or (got[0] and _writer.release()))
        thread.start()
        thread.join()
        return got[0]

    assert another_thread_can_write()
    with transaction.atomic():
        assert not another_thread_can_write()
    assert another_thread_can_write()
    with pytest.raises(ValueError), transaction.atomic():
        raise ValueError("rolled back")
    assert another_thread_can_write()
