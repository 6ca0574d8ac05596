"""Email settings come from EMAIL_URL or Django's EMAIL_* variables; a malformed one stops start-up."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from shoppe.env import CONSOLE_BACKEND, SMTP_BACKEND, env_email_url

ROOT = Path(__file__).resolve().parents[2]
PRINT_EMAIL = ("import django; django.setup(); from django.conf import settings as s; "
               "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, "
               "s.EMAIL_USE_TLS, s.EMAIL_USE_SSL, s.DEFAULT_FROM_EMAIL, sep='|')")
SERVICES = {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "METRICS_TOKEN", "EMAIL_URL", "EMAIL_HOST", "EMAIL_BACKEND",
            "EMAIL_PORT", "EMAIL_USE_TLS", "EMAIL_USE_SSL", "DEFAULT_FROM_EMAIL"}


def start_with(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in SERVICES}
    return subprocess.run([sys.executable, "-c", PRINT_EMAIL], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**clean, "DJANGO_SETTINGS_MODULE": "shoppe.settings", **env})


def email_settings(**env: str) -> list[str]:
    started = start_with(**env)
    assert started.returncode == 0, started.stderr
    return started.stdout.strip().split("|")


@pytest.mark.parametrize("url, expected", [
    ("smtp://mailer:s3cret@mail.example.test:2525",
     {"EMAIL_BACKEND": SMTP_BACKEND, "EMAIL_HOST": "mail.example.test", "EMAIL_PORT": 2525, "EMAIL_HOST_USER": "mailer",
      "EMAIL_HOST_PASSWORD": "s3cret", "EMAIL_USE_TLS": False, "EMAIL_USE_SSL": False}),
    ("smtp+tls://apikey:p%40ss%2Fword@smtp.example.test",
     {"EMAIL_BACKEND": SMTP_BACKEND, "EMAIL_HOST": "smtp.example.test", "EMAIL_PORT": 587, "EMAIL_HOST_USER": "apikey",
      "EMAIL_HOST_PASSWORD": "p@ss/word", "EMAIL_USE_TLS": True, "EMAIL_USE_SSL": False}),
    ("smtp+ssl://smtp.example.test",
     {"EMAIL_BACKEND": SMTP_BACKEND, "EMAIL_HOST": "smtp.example.test", "EMAIL_PORT": 465, "EMAIL_HOST_USER": "",
      "EMAIL_HOST_PASSWORD": "", "EMAIL_USE_TLS": False, "EMAIL_USE_SSL": True}),
    ("console://", {"EMAIL_BACKEND": CONSOLE_BACKEND}),
    ("", {}),
])
def test_email_url_gives_djangos_email_settings(monkeypatch, url, expected):
    monkeypatch.setenv("EMAIL_URL", url)
    assert env_email_url("EMAIL_URL") == expected


@pytest.mark.parametrize("url", ["mail.example.test:25", "http://mail.example.test", "smtp://user:pw@host:port",
                                 "smtp://"])
def test_a_malformed_email_url_is_refused_without_showing_its_password(monkeypatch, url):
    monkeypatch.setenv("EMAIL_URL", url)
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL") as refused:
        env_email_url("EMAIL_URL")
    assert ":pw@" not in str(refused.value)


def test_embedded_mode_prints_mail_and_production_sends_it_over_smtp():
    assert email_settings()[0] == CONSOLE_BACKEND
    production = email_settings(REDIS_URL="redis://127.0.0.1:6379/0", SECRET_KEY="x" * 50, DEBUG="0",
                                METRICS_TOKEN="t")
    assert production[:3] == [SMTP_BACKEND, "localhost", "25"]


def test_email_url_and_djangos_own_variables_configure_the_sender():
    by_url = email_settings(EMAIL_URL="smtp+tls://u:p@relay.example.test:2587", DEFAULT_FROM_EMAIL="Shop <s@x.test>")
    assert by_url == [SMTP_BACKEND, "relay.example.test", "2587", "u", "p", "True", "False", "Shop <s@x.test>"]
    by_vars = email_settings(EMAIL_HOST="relay.example.test", EMAIL_PORT="2465", EMAIL_USE_SSL="1",
                             EMAIL_HOST_USER="shop", EMAIL_HOST_PASSWORD="pw")
    assert by_vars == [SMTP_BACKEND, "relay.example.test", "2465", "shop", "pw", "False", "True",
                       "Example Shoppe <support@example-shoppe.test>"]


def test_a_malformed_email_setting_stops_start_up_with_a_clear_message():
    assert "EMAIL_URL must look like" in start_with(EMAIL_URL="mail.example.test").stderr
    assert "EMAIL_USE_TLS and EMAIL_USE_SSL" in start_with(EMAIL_USE_TLS="1", EMAIL_USE_SSL="1").stderr
