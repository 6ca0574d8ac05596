"""Sign-in throttling with django-axes: who is locked out, and the page they see.

Customers are locked out per username *and* client address: guessing Alice's password
from one address locks that address out of her account, while Alice signs in from
home as usual, so nobody can lock a customer out of their own account from elsewhere.

Staff accounts (is_staff or is_superuser: the console, the ops pages, the admin) are
locked out per username, from every address: a guessed staff password opens every
customer's orders, conversations and refunds, and an attacker spreading guesses over
many addresses (a botnet) must not get LOGIN_FAILURE_LIMIT guesses per address. The
price: someone who knows a staff username can keep that account locked. An admin lifts
it with `python manage.py axes_reset_username <username>` (or in the admin, Axes ›
Access attempts).
"""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

BY_USERNAME_AND_ADDRESS: list[str | list[str]] = [["username", "ip_address"]]
BY_USERNAME: list[str | list[str]] = ["username"]


def _is_staff(username: str | None) -> bool:
    if not username:
        return False
    User = get_user_model()
    return User.objects.filter(Q(is_staff=True) | Q(is_superuser=True), **{User.USERNAME_FIELD: username}).exists()


def lockout_parameters(request_or_attempt: object, credentials: dict | None = None) -> list[str | list[str]]:
    """AXES_LOCKOUT_PARAMETERS: what the failures of this sign-in are counted by (see the module docstring)."""
    from axes.helpers import get_client_username
    from axes.models import AccessBase

    if isinstance(request_or_attempt, AccessBase):
        username = request_or_attempt.username
    else:
        username = get_client_username(request_or_attempt, credentials)  # type: ignore[arg-type]
    return BY_USERNAME if _is_staff(username) else BY_USERNAME_AND_ADDRESS


def locked_out_page(request: HttpRequest, original_response: HttpResponse | None = None,
                    credentials: dict | None = None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429, saying how long to wait, on the shop's and the admin's sign-in alike."""
    return render(request, "registration/locked_out.html", {
        "failure_limit": settings.LOGIN_FAILURE_LIMIT,
        "cooloff_minutes": settings.LOGIN_COOLOFF_MINUTES,
    }, status=429)
