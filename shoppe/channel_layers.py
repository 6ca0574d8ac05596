"""The embedded mode's channel layer: Channels' in-memory layer, made to scale with connections.

Channels' `InMemoryChannelLayer` sweeps every channel and group for expired messages
on each group send and each receive, which is O(open sockets) per event: with 500 sockets
open that sweep used more CPU than routing and answering together. Expiry is
measured in a minute (messages) and a day (group membership), so sweeping at most
once a second changes nothing a customer can notice.

Measured with `python -m tools.measure_channel_layer 500` (December 2026, this 2-core
machine, Channels 4.3): one group event (a group_send to a socket's group and that socket's
receive) with every socket's receive waiting. 500 sockets: Channels' layer 1,100-1,500
events/s (670-910 µs an event), this one 15,000-17,000 (59-66 µs); 50 sockets: 9,700
against 18,400. That is why it stays.

It overrides Channels' private `_clean_expired`: the public `receive` and `group_send`
both call it, and overriding them instead would copy Channels' code. If a Channels upgrade
renames it, the override goes quiet (back to a sweep per event), it does not break.
"""
from __future__ import annotations

import time

from channels.layers import InMemoryChannelLayer as ChannelsInMemoryChannelLayer


class InMemoryChannelLayer(ChannelsInMemoryChannelLayer):
    clean_interval_s = 1.0

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._cleaned_at = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._cleaned_at < self.clean_interval_s:
            return
        self._cleaned_at = now
        super()._clean_expired()
