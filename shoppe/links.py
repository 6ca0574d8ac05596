"""Absolute links for the emails a request sends (a confirmation link, an unsubscribe link)."""
from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest


def site_url(request: HttpRequest) -> str:
    """The site's address as this request reached it, without the trailing slash: "https://shop.example"."""
    return request.build_absolute_uri("/").rstrip("/")


def email_site_url(request: HttpRequest) -> str:
    """The site's address for links in the emails sent after this request: SITE_URL when set (the address customers
    know, whatever proxy the request came through), else as this request reached it."""
    return settings.SITE_URL or site_url(request)


def email_site_parts() -> dict[str, str]:
    """SITE_URL as the protocol and domain Django's password reset email puts together ({} when unset: the request's)."""
    if not settings.SITE_URL:
        return {}
    parts = urlsplit(settings.SITE_URL)
    return {"protocol": parts.scheme, "domain": parts.netloc + parts.path}
