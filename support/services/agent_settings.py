"""A staff member's own console settings: the language they work in (#16).

Each agent sets only their own, from the console header; the Django admin shows everyone's.
"""
from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError

from support.models import WORKING_LANGUAGES, AgentSettings
from support.roles import can_work_handoffs


def agent_language_set(*, agent: AbstractBaseUser, language: str) -> str:
    """Set the agent's own working language; anything but one of the five raises a ValidationError saying which."""
    if not can_work_handoffs(agent):
        raise PermissionDenied("Only staff who answer customers have a working language.")
    if language not in dict(WORKING_LANGUAGES):
        choices = ", ".join(f"{label} ({code})" for code, label in WORKING_LANGUAGES)
        raise ValidationError(f"{language[:20]!r} is not a working language. Choose one of: {choices}.")
    AgentSettings.objects.update_or_create(agent_id=agent.pk, defaults={"language": language})
    return language
