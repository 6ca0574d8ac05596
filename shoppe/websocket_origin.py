"""Which pages may open the site's WebSockets: the site itself and the origins it trusts.

A browser sends the site's cookies with a WebSocket handshake whatever page opened it,
and tells the server that page's origin (scheme, host and port). Channels'
AllowedHostsOriginValidator compares only the host name, so a page on
`http://127.0.0.1:9999` or `https://127.0.0.1` could open a signed-in customer's chat.
Here the whole origin must match, with the rule Django's CSRF check applies to a form
post: the origin the request was made to (its Host header, which must be allowed, and
its scheme), or one of CSRF_TRUSTED_ORIGINS (`https://*.example.com` for subdomains).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return None


def _allowed_hosts() -> list[str]:
    hosts = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not hosts:  # as Django's request.get_host()
        hosts = [".localhost", "127.0.0.1", "[::1]"]
    return hosts


def _scheme(scope: dict[str, Any]) -> str:
    """http or https, as the browser sees the site: behind a TLS proxy, from the header Django trusts too."""
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        meta_name, secure_value = proxy_header
        value = _header(scope, meta_name.removeprefix("HTTP_").lower().replace("_", "-").encode())
        if value is not None:
            return "https" if value.split(",")[0].strip() == secure_value else "http"
    return "https" if scope.get("scheme") in ("wss", "https") else "http"


def site_origin(scope: dict[str, Any]) -> str | None:
    """The origin this request was made to, or None when its Host is not one of ALLOWED_HOSTS."""
    host = _header(scope, b"host")
    if not host:
        return None
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, _allowed_hosts()):
        return None
    return f"{_scheme(scope)}://{host}"


def origin_allowed(scope: dict[str, Any]) -> bool:
    origin = _header(scope, b"origin")
    if not origin:
        return False  # every browser sends one; a page of no origin ("null") is not this site either
    if origin == site_origin(scope):
        return True
    trusted = settings.CSRF_TRUSTED_ORIGINS
    if origin in {o for o in trusted if "*" not in o}:
        return True
    try:
        parsed = urlsplit(origin)
    except ValueError:
        return False
    return any(is_same_domain(parsed.netloc, pattern.netloc.lstrip("*"))
               for pattern in (urlsplit(o) for o in trusted if "*" in o) if pattern.scheme == parsed.scheme)


class SameOriginValidator:
    """Refuse the handshake (HTTP 403) of a WebSocket opened by a page of another origin."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
