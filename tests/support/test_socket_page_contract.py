"""The pages with a live socket carry the server's limits and close codes for their scripts.

The chat widget and the staff console read the message limit (CHAT_MAX_MESSAGE_CHARS), the
typing interval and the sockets' close codes from data attributes (static/shared/socket.js),
so changing a setting on the server changes what the browser does, with no copy in the JavaScript.
"""
from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from support.services.typing import TYPING_EVERY_S
from support.sockets import CLOSE_FORBIDDEN, CLOSE_SIGNED_OUT, CLOSE_TOO_MANY_CONNECTIONS

pytestmark = pytest.mark.django_db


def opening_tag(page: str, pattern: str) -> str:
    match = re.search(pattern, page, re.S)
    assert match, f"no {pattern} on the page"
    return match.group(0)


def assert_close_codes(tag: str) -> None:
    assert f'data-close-signed-out="{CLOSE_SIGNED_OUT}"' in tag
    assert f'data-close-forbidden="{CLOSE_FORBIDDEN}"' in tag
    assert f'data-close-too-many-connections="{CLOSE_TOO_MANY_CONNECTIONS}"' in tag
    assert f'data-typing-every-ms="{round(TYPING_EVERY_S * 1000)}"' in tag


def test_the_widget_takes_the_message_limit_and_close_codes_from_the_server(settings) -> None:
    settings.CHAT_MAX_MESSAGE_CHARS = 321
    page = Client().get("/").content.decode()
    chat = opening_tag(page, r'<div id="chat"[^>]*>')
    assert 'data-max-message-chars="321"' in chat
    assert_close_codes(chat)
    # The box itself does not cut at the limit (a pasted message was cut without a word): the widget says it is too long.
    assert "maxlength" not in opening_tag(page, r'<textarea id="chat-input"[^>]*>')
    assert re.search(r'<script src="[^"]*chat/widget\.js" type="module">', page)


def test_the_console_takes_the_close_codes_from_the_server() -> None:
    sam = User.objects.create_user("sam", "sam@example-shoppe.test", "pw", is_staff=True)
    sam.groups.add(Group.objects.get(name="Support agent"))
    client = Client()
    client.force_login(sam)
    page = client.get("/console/").content.decode()
    assert_close_codes(opening_tag(page, r'<body class="console[^>]*>'))
    assert re.search(r'<script src="[^"]*console/console\.js" type="module">', page)


def test_the_console_takes_its_boxes_limits_from_the_server(settings) -> None:
    settings.CONSOLE_MAX_MESSAGE_CHARS = 654
    settings.CONSOLE_MAX_REJECT_NOTE_CHARS = 321
    sam = User.objects.create_user("sam", "sam@example-shoppe.test", "pw", is_staff=True)
    sam.groups.add(Group.objects.get(name="Support agent"))
    client = Client()
    client.force_login(sam)
    page = client.get("/console/").content.decode()
    body = opening_tag(page, r'<body class="console[^>]*>')
    assert 'data-max-message-chars="654"' in body and 'data-max-reject-note-chars="321"' in body
    assert 'maxlength="654"' in opening_tag(page, r'<textarea id="reply-input"[^>]*>')
    assert 'maxlength="654"' in opening_tag(page, r'<textarea id="note-input"[^>]*>')
    assert 'maxlength="321"' in opening_tag(page, r'<textarea id="reject-note"[^>]*>')
