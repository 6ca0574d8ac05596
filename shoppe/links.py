"""Absolute links for the emails a request sends (a confirmation link, an unsubscribe link)."""
from __future__ import annotations

from django.http import HttpRequest


def site_url(request: HttpRequest) -> str:
    """The site's address as this request reached it, without the trailing slash: "https://shop.example"."""
    return request.build_absolute_uri("/").rstrip("/")
