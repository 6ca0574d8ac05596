"""Who may open a staff page (the console, the ops pages), and what everyone else sees.

A visitor who is not signed in is sent to sign in, as before. Someone signed in without the
right (a customer who typed /console/, an agent opening an ops page) is told plainly that
the page is for the support team, with a way back, instead of a staff sign-in form that
invites them to try another account.
"""
from __future__ import annotations

from functools import wraps
from typing import Callable

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

STAFF_SIGN_IN_URL = "/admin/login/"

View = Callable[..., HttpResponse]


def staff_page(may_open: Callable[..., bool]) -> Callable[[View], View]:
    """A view only users for whom `may_open(user)` holds may open (see the module's docstring)."""
    def decorator(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if may_open(request.user):
                return view(request, *args, **kwargs)
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), STAFF_SIGN_IN_URL)
            # Staff pages are in English; the customer who strayed here reads this one in their own language.
            with translation.override(translation.get_language_from_request(request, check_path=False)):
                return render(request, "support/staff_only.html", {"is_staff": request.user.is_staff}, status=403)
        return guarded
    return decorator
