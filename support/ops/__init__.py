"""Ops views at /ops/: dashboard, escalation log, conversation traces, labels (ops role and supervisors)."""
