"""`/healthz` (is every part this process needs up?) and `/metrics` (Prometheus)."""
from __future__ import annotations

import asyncio
import hmac
import ipaddress
import time
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from shoppe.readiness import readiness

# How long the channel-layer probe may take before the check fails (a layer that answers at all answers in ms).
CHANNEL_LAYER_TIMEOUT_S = 5.0


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _channel_layer() -> str:
    """A probe sent to a channel of this process and read back, within CHANNEL_LAYER_TIMEOUT_S.

    The channel is a process-specific one of the layer's own kind (`new_channel()`'s default prefix): channels_redis
    reads all of a process's channels under one receive lock, and an open socket holds it while it reads the
    process's channel, so a probe on a channel of another kind ("healthz.") was never read while anyone chatted.
    """
    layer = get_channel_layer()
    probe = uuid.uuid4().hex

    async def round_trip() -> dict:
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "health.probe", "probe": probe})
        return await asyncio.wait_for(layer.receive(channel), CHANNEL_LAYER_TIMEOUT_S)

    try:
        received = async_to_sync(round_trip)()
    except asyncio.TimeoutError:
        raise RuntimeError(f"the probe did not come back within {CHANNEL_LAYER_TIMEOUT_S} s") from None
    if received.get("probe") != probe:
        raise RuntimeError("the channel layer returned another message")
    return "ok"


def _broker() -> str:
    from shoppe.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


def _local_models() -> str:
    from rag.encoder import encoders_loaded
    from rag.index import live_index

    status = readiness.status()
    if status["state"] == "starting":  # loaded perhaps, but not yet warm and answering
        raise RuntimeError(f"starting: {status['step']} ({status['seconds']:.0f} s so far)")

    index, encoders = live_index.loaded, encoders_loaded()
    if index is None or not encoders:
        raise RuntimeError("the encoder or the knowledge index is not loaded yet")
    return f"ok (index {index.version}, {len(index.passages)} passages, encoder {encoders[0].variant})"


CHECKS = {"database": _database, "channel_layer": _channel_layer, "broker": _broker, "local_models": _local_models}


def bearer_token_ok(request: HttpRequest) -> bool:
    """`Authorization: Bearer <METRICS_TOKEN>`, compared in constant time; never true without a token set."""
    token = settings.METRICS_TOKEN
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), token.encode())


def _is_staff(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user and user.is_active and user.is_staff)


def _from_this_machine(request: HttpRequest) -> bool:
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def healthz(request: HttpRequest) -> JsonResponse:
    """200 when every check passes, else 503; `starting` while the assistant gets ready (`shoppe.readiness`).

    Anonymous callers (load balancers) learn only up, starting or down: the per-part details
    name services, versions and error texts. Staff sessions and the METRICS_TOKEN get them.
    """
    results, failed = {}, set()
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            status = check()
        except Exception as error:  # a health check reports, it never raises
            status = f"fail: {type(error).__name__}: {error}"[:300]
            failed.add(name)
        results[name] = {"status": status, "ms": round((time.perf_counter() - started) * 1000, 2)}
    healthy = not failed
    code = 200 if healthy else 503
    # Starting, rather than down, only while nothing but the assistant's own start-up is missing.
    starting = failed == {"local_models"} and readiness.starting
    if bearer_token_ok(request) or _is_staff(request):
        return JsonResponse({"status": "ok" if healthy else "starting" if starting else "fail", "checks": results},
                            status=code)
    return JsonResponse({"status": "ok" if healthy else "starting" if starting else "unavailable"}, status=code)


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus exposition: with METRICS_TOKEN set, only for `Authorization: Bearer <token>`.

    Without a token (embedded mode; production refuses to start without one) only callers on
    this machine and staff sessions may read it.
    """
    from support.metrics import metrics_exposition

    if settings.METRICS_TOKEN:
        if not bearer_token_ok(request):
            response = HttpResponse("metrics need a token", status=401, content_type="text/plain; charset=utf-8")
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    elif not (_from_this_machine(request) or _is_staff(request)):
        return HttpResponse("metrics are served to this machine and to staff; set METRICS_TOKEN to scrape them",
                            status=403, content_type="text/plain; charset=utf-8")
    body, content_type = metrics_exposition()
    return HttpResponse(body, content_type=content_type)
