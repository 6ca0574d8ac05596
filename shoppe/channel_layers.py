"""The embedded mode's channel layer: Channels' in-memory layer, made to scale with connections.

Channels' `InMemoryChannelLayer` sweeps every channel and group for expired messages
on each send and each receive, which is O(open sockets) per event: with 500 sockets
open that sweep used more CPU than routing and answering together. Expiry is
measured in a minute (messages) and a day (group membership), so sweeping at most
once a second changes nothing a customer can notice.
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
