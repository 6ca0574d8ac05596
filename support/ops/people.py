"""The human side of support for ops: handoffs to people.

One figure, defined once: a *handoff* is a Handoff row created in the period, the same rows
the escalation log lists under the route "human" for the same dates. (The routing panel's
"Routed to people" counts customer messages instead: a handoff may follow several of them, or
come from the LLM tier without any.)
"""
from __future__ import annotations

from datetime import datetime

from support.models import Handoff


def handoff_count(start: datetime, end: datetime) -> int:
    """Handoffs created in [start, end), as the escalation log counts them (its `from`/`to` are local days)."""
    return Handoff.objects.filter(created_at__gte=start, created_at__lt=end).count()
