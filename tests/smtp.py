"""A real SMTP server on loopback for tests that send email (aiosmtpd).

`smtp_server` runs aiosmtpd on a free port of 127.0.0.1 for one test and points
Django's SMTP backend at it, so mail leaves through `django.core.mail` exactly as in
production and arrives over a real SMTP conversation:

    def test_something(smtp_server):
        ...  # code that sends mail
        mail = smtp_server.wait_for(1)[0]
        assert mail.to == ["erin@example.test"] and "123456" in mail.body

`smtp_server.refuse = True` makes it answer every message with a 554 (a relay refusing).
"""
from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


@dataclass
class ReceivedMail:
    """One message as the server received it: the envelope and the parsed message."""

    sender: str
    to: list[str]  # the envelope's recipients
    message: EmailMessage

    @property
    def subject(self) -> str:
        # A non-ASCII subject arrives folded ("Subject: \n =?utf-8?q?...?="): mail programs drop the
        # space the unfolding leaves before it, and so does this.
        return str(self.message["Subject"]).strip()

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""


@dataclass
class SmtpServer:
    host: str
    port: int
    received: list[ReceivedMail] = field(default_factory=list)
    refuse: bool = False
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        if self.refuse:
            return "554 Transaction failed"
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._arrived:
            mail = ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), parsed)  # type: ignore[arg-type]
            self.received.append(mail)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedMail]:
        """The first `count` messages, waiting up to `timeout` seconds for them to arrive."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} email(s) over SMTP, got {len(self.received)}")
                self._arrived.wait(left)
            return list(self.received[:count])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings) -> Iterator[SmtpServer]:  # type: ignore[no-untyped-def]
    """A real SMTP server on loopback, and Django's SMTP backend pointed at it for this test."""
    server = SmtpServer(host="127.0.0.1", port=_free_port())
    controller = Controller(server, hostname=server.host, port=server.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = server.host, server.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    try:
        yield server
    finally:
        controller.stop()
