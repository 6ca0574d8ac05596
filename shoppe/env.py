"""Typed readers for settings that come from the environment.

Each helper fails loudly with the variable's name when a value is malformed, so a
typo in production configuration stops start-up instead of running half-configured.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}")
    return value


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number; got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}")
    return value


def env_choice(name: str, default: str, *, choices: tuple[str, ...]) -> str:
    """One of `choices` (compared in lower case, surrounding spaces ignored); `default` when unset."""
    raw = os.environ.get(name)
    value = default if raw is None or raw.strip() == "" else raw.strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; got {raw!r}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(name: str, *, schemes: tuple[str, ...]) -> str:
    """A URL whose scheme must be one of `schemes`; empty when unset."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return ""
    parsed = urlparse(raw)
    if parsed.scheme not in schemes or not (parsed.hostname or parsed.path):
        raise ImproperlyConfigured(f"{name} must be a URL starting with {' or '.join(s + '://' for s in schemes)}; got {raw!r}")
    return raw


# EMAIL_URL schemes: (Django's EMAIL_* settings they imply, the default port).
_EMAIL_SCHEMES: dict[str, tuple[dict[str, Any], int]] = {
    "smtp": ({"EMAIL_USE_TLS": False, "EMAIL_USE_SSL": False}, 25),
    "smtp+tls": ({"EMAIL_USE_TLS": True, "EMAIL_USE_SSL": False}, 587),  # STARTTLS
    "smtp+ssl": ({"EMAIL_USE_TLS": False, "EMAIL_USE_SSL": True}, 465),  # TLS from the first byte
    "smtps": ({"EMAIL_USE_TLS": False, "EMAIL_USE_SSL": True}, 465),
}
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"


def env_email_url(name: str) -> dict[str, Any]:
    """Django's EMAIL_* settings from one URL; empty when unset.

    `smtp://user:pass@host:port` (plain, port 25), `smtp+tls://` (STARTTLS, 587),
    `smtp+ssl://` or `smtps://` (TLS from the start, 465), `console://` (print mail).
    The user name and password may be percent-encoded (`%40` for an @).
    """
    raw = os.environ.get(name, "").strip()
    if not raw:
        return {}
    parsed = urlparse(raw)
    if parsed.scheme == "console":
        return {"EMAIL_BACKEND": CONSOLE_BACKEND}
    if parsed.scheme not in _EMAIL_SCHEMES or not parsed.hostname:
        raise ImproperlyConfigured(
            f"{name} must look like smtp://user:password@host:port (or smtp+tls://, smtp+ssl://, console://); got "
            f"{_without_password(raw)!r}")
    try:
        port = parsed.port
    except ValueError:
        raise ImproperlyConfigured(f"{name} has a malformed port; got {_without_password(raw)!r}") from None
    flags, default_port = _EMAIL_SCHEMES[parsed.scheme]
    return {"EMAIL_BACKEND": SMTP_BACKEND, "EMAIL_HOST": parsed.hostname, "EMAIL_PORT": port or default_port,
            "EMAIL_HOST_USER": unquote(parsed.username or ""), "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
            **flags}


def _without_password(url: str) -> str:
    """The URL for an error message: a password never reaches a log."""
    parsed = urlparse(url)
    if parsed.password is None:
        return url
    return url.replace(f":{parsed.password}@", ":***@", 1)


def secret_key_persisted(path: Path) -> str:
    """The secret key kept in `path`, generated there (and its folder) on first use, readable by this user only.

    Sessions and password-reset links must survive a restart, and a key printed in the
    source would let anyone forge them. Several server processes may start at once
    (`make load`): each writes a candidate beside the file and links it into place,
    which only the first one manages, so every process reads the same complete key.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        candidate = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(50))
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass  # another process was first: use its key
        finally:
            candidate.unlink()
    return path.read_text().strip()
