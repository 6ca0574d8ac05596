"""Is the customer connected to their conversation right now?

Channels' groups cannot be asked who is in them, and staff consoles join the
conversation's group too, so each customer socket is a row (`CustomerSocket`) from
connect to disconnect. daphne's own WebSocket pings close a socket whose browser went
away (about 50 s), so disconnect runs for every socket except those of a process that
died: each process renews its rows' `alive_until` from one thread, and rows past it
no longer count. The cost is one insert and one delete per socket and one UPDATE per
500 open sockets of a process every `CUSTOMER_SOCKET_LEASE_S / 3`.
"""
from __future__ import annotations

import logging
import threading
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from support.models import CustomerSocket

log = logging.getLogger(__name__)

PROCESS = uuid.uuid4().hex  # this process's rows
_open: set[str] = set()  # the channel names of this process's open sockets: only these are renewed
_keeper: threading.Thread | None = None
_keeper_lock = threading.Lock()


def _alive_until():  # type: ignore[no-untyped-def]
    return timezone.now() + timedelta(seconds=settings.CUSTOMER_SOCKET_LEASE_S)


def customer_socket_open(*, conversation_id: uuid.UUID, channel_name: str) -> None:
    CustomerSocket.objects.update_or_create(
        channel_name=channel_name,
        defaults={"conversation_id": conversation_id, "process": PROCESS, "alive_until": _alive_until()})
    with _keeper_lock:
        _open.add(channel_name)
    _keeper_start()


def customer_socket_close(*, channel_name: str) -> None:
    with _keeper_lock:
        _open.discard(channel_name)  # first: a row whose delete fails is not renewed, and lapses
    CustomerSocket.objects.filter(channel_name=channel_name).delete()


def customer_connected(*, conversation_id: uuid.UUID) -> bool:
    """Whether the customer has the conversation open in some tab or device now (panel open or not)."""
    return CustomerSocket.objects.filter(conversation_id=conversation_id, alive_until__gt=timezone.now()).exists()


def customer_sockets_renew() -> None:
    """Keep this process's sockets counted; forget rows a dead process left long ago."""
    now = timezone.now()
    with _keeper_lock:
        names = sorted(_open)
    for start in range(0, len(names), 500):
        CustomerSocket.objects.filter(process=PROCESS, channel_name__in=names[start:start + 500]).update(
            alive_until=_alive_until())
    CustomerSocket.objects.filter(alive_until__lt=now - timedelta(hours=1)).delete()


def _keep() -> None:
    every = max(1.0, settings.CUSTOMER_SOCKET_LEASE_S / 3)
    stop = threading.Event()
    while not stop.wait(every):
        try:
            close_old_connections()
            customer_sockets_renew()
        except Exception:  # noqa: BLE001 - the database is back on the next round; the lease covers the gap
            log.warning("could not renew this process's customer sockets", exc_info=True)


def _keeper_start() -> None:
    global _keeper
    with _keeper_lock:
        if _keeper is None or not _keeper.is_alive():
            _keeper = threading.Thread(target=_keep, name="customer-sockets", daemon=True)
            _keeper.start()
