"""Group events through the in-memory channel layer with N sockets open.

    python -m tools.measure_channel_layer [sockets] [events]

Each socket is a channel in its own group with a receive() waiting on it, as a chat socket's
consumer is; each event is a group_send to one socket's group and that socket's receive. Prints events/s for Channels' layer and for shoppe.channel_layers'.
"""
from __future__ import annotations

import asyncio
import sys
import time

from channels.layers import InMemoryChannelLayer as Channels
from shoppe.channel_layers import InMemoryChannelLayer as Shoppe

sockets = int(sys.argv[1]) if len(sys.argv) > 1 else 500
events = int(sys.argv[2]) if len(sys.argv) > 2 else 5000


async def run(layer) -> float:
    channels = [await layer.new_channel("chat.") for _ in range(sockets)]
    for n, channel in enumerate(channels):
        await layer.group_add(f"conversation-{n}", channel)
    received = 0
    done = asyncio.Event()

    async def socket(channel):
        nonlocal received
        while True:
            await layer.receive(channel)
            received += 1
            if received == events:
                done.set()

    tasks = [asyncio.create_task(socket(c)) for c in channels]
    await asyncio.sleep(0)
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(events):
        await layer.group_send(f"conversation-{i % sockets}", {"type": "chat.reply", "text": "Your order ships today."})
        if i % 50 == 0:
            await asyncio.sleep(0)  # let the sockets take what arrived
    await done.wait()
    elapsed = time.perf_counter() - started
    for t in tasks:
        t.cancel()
    return elapsed


for layer in (Channels(), Shoppe()):
    elapsed = asyncio.run(run(layer))
    print(f"{type(layer).__module__:24} {sockets:5} sockets: {events / elapsed:8.0f} events/s, {elapsed / events * 1e6:7.1f} µs an event")
