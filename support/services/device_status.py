"""What a customer's widget reports of its on-device assistant (issue #19), kept for ops.

The widget sends one `device.status` frame per page load: `{"state": "ready", "version", "load_ms"}`
when its assistant loaded, or `{"state": "fallback", "reason", ...}` when the server answers
instead (data saver on, no WebAssembly, too little memory, a slow device, an old model version,
an error). The ops dashboard reads these rows for the device tier's fallbacks and versions
(support.ops.selectors.device_tier).
"""
from __future__ import annotations

import math
import uuid
from typing import Any

from support.models import DeviceStatus
from support.services.device_answers import server_device_version

MAX_LOAD_MS = 600_000.0


def _load_ms(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not 0 <= value <= MAX_LOAD_MS:
        raise ValueError("load_ms must be a number of milliseconds.")
    return round(float(value), 1)


def device_status_record(*, conversation_id: uuid.UUID, event: dict[str, Any]) -> DeviceStatus:
    """Save one `device.status` frame; ValueError for a state, reason, version or load time it cannot be."""
    state, reason, version = event.get("state"), event.get("reason") or "", event.get("version") or ""
    if state not in DeviceStatus.State.values:
        raise ValueError("state must be ready or fallback.")
    if state == DeviceStatus.State.FALLBACK and reason not in DeviceStatus.Reason.values:
        raise ValueError("a fallback needs its reason.")
    if state == DeviceStatus.State.READY:
        reason = ""
    if not isinstance(version, str) or len(version) > 64:
        raise ValueError("version must be a short text.")
    return DeviceStatus.objects.create(
        conversation_id=conversation_id, state=state, reason=reason, version=version,
        version_current=bool(version) and version == server_device_version(), load_ms=_load_ms(event.get("load_ms")),
    )
