"""The widget's device tier against a live site, without a browser (issue #19).

Where Chromium is installed, tests/test_device_widget_browser.py drives the whole widget. This
runs everywhere Node is: the widget's own module (static/chat/on_device.js) loads the real
device assistant from a live daphne site (tests/js/on_device_decide.mjs), decides, and builds the
frame the widget sends; a real WebSocket client sends it with a visitor's chat session. So the
device's passage ids and version are checked by the real server: the reply it saves is the text
the device showed, refunds and order questions get no device answer, a device with the data
saver on reports its fallback, and after a retrain the old version is answered by the server.
"""
from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser import live_site
from tests.conftest import service_missing
from tests.test_socket_close_codes import device as visitor, socket

pytestmark = pytest.mark.timeout(300)

HARNESS = Path(settings.BASE_DIR) / "tests" / "js" / "on_device_decide.mjs"
PASSWORD = "I forgot my password"


@pytest.fixture(scope="module")
def device_site(tmp_path_factory: pytest.TempPathFactory, run_artifacts: None) -> Iterator[tuple[str, Path]]:
    if not shutil.which("node"):
        service_missing("Node.js not found: the widget's device module cannot run")
    data_dir = tmp_path_factory.mktemp("device-node-site")
    with live_site(data_dir, DEVICE_ANSWERS="1") as base:
        yield base, data_dir


def on_device(base: str, version: str, messages: list[str], navigator: dict | None = None,
              translator: dict | None = None, page: str = "en") -> dict:
    done = subprocess.run(["node", str(HARNESS), base, version, json.dumps(messages), json.dumps(navigator or {}),
                           json.dumps(translator) if translator else "", page],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def events_until(ws, kind: str) -> list[dict]:  # type: ignore[no-untyped-def]
    seen = []
    while not seen or seen[-1]["type"] != kind:
        seen.append(json.loads(ws.recv(timeout=45)))
    return seen


def message_row(data_dir: Path, message_id: int) -> dict:
    with sqlite3.connect(data_dir / "db.sqlite3") as db:
        db.row_factory = sqlite3.Row
        return dict(db.execute("SELECT * FROM support_message WHERE id = ?", (message_id,)).fetchone())


def send(ws, text: str, device: dict | None = None) -> str:  # type: ignore[no-untyped-def]
    client_id = str(uuid.uuid4())
    ws.send(json.dumps({"type": "customer.message", "text": text, "client_id": client_id, "device": device}))
    return client_id


def test_the_device_answers_help_and_the_server_saves_what_it_showed(device_site) -> None:  # type: ignore[no-untyped-def]
    base, data_dir = device_site
    with socket(base, "/ws/chat/", visitor(base).cookie) as ws:
        version = json.loads(ws.recv(timeout=30))["device"]["version"]
        assert version
        decided = on_device(base, version, [PASSWORD, "I want a refund for my last order", "where is my order?"])
        status = decided["status"]
        assert status["state"] == "ready" and status["version"] == version and status["load_ms"] >= 0
        ws.send(json.dumps({"type": "device.status", **status}))
        password, refund, order = decided["answers"]
        # refunds and order questions are left to the server
        assert refund is None and order is None
        assert password["frame"]["intent"] == "recover_password" and password["frame"]["decision_ms"] < 50
        client_id = send(ws, PASSWORD, password["frame"])
        seen = events_until(ws, "device.answer.saved")
        saved = seen[-1]
        assert saved["client_id"] == client_id and "reply.start" not in [e["type"] for e in seen]
        # the server's own passage is exactly what the device showed
        assert saved["text"] == password["passage"]["text"] and saved["sources"][0]["url"] == password["passage"]["url"]
        row = message_row(data_dir, saved["message_id"])
        assert row["answered_on_device"] and row["reason"] == "answered on the device"
        assert json.loads(row["scores"]) == {"passage_id": password["frame"]["passage_id"]}
        # the refund request goes to the server, as today
        send(ws, "I want a refund for my last order")
        end = events_until(ws, "reply.end")[-1]
        assert not message_row(data_dir, end["in_reply_to"])["answered_on_device"]
    with sqlite3.connect(data_dir / "db.sqlite3") as db:
        assert db.execute("SELECT state, version_current FROM support_devicestatus").fetchall() == [("ready", 1)]


def test_a_message_read_as_english_on_a_page_in_another_language_is_left_to_the_server(device_site) -> None:  # type: ignore[no-untyped-def]
    """The server answers a message it cannot place in the page's language; the device, which cannot tell a short
    Spanish question from English, answered "¿Aceptáis PayPal?" in English on the Spanish page (session 23's
    walkthrough). On the English page the same English question is still answered on the device."""
    base, _ = device_site
    with socket(base, "/ws/chat/", visitor(base).cookie) as ws:
        version = json.loads(ws.recv(timeout=30))["device"]["version"]
    assert on_device(base, version, [PASSWORD])["answers"][0] is not None
    assert on_device(base, version, [PASSWORD], page="es")["answers"] == [None]


def test_with_the_data_saver_on_the_device_leaves_it_to_the_server(device_site) -> None:  # type: ignore[no-untyped-def]
    base, _ = device_site
    with socket(base, "/ws/chat/", visitor(base).cookie) as ws:
        version = json.loads(ws.recv(timeout=30))["device"]["version"]
    decided = on_device(base, version, [PASSWORD], navigator={"connection": {"saveData": True}})
    assert decided["status"] == {"state": "fallback", "reason": "save-data", "version": "", "load_ms": None}
    assert decided["answers"] == [None]


def test_after_a_retrain_the_old_version_is_answered_by_the_server(device_site) -> None:  # type: ignore[no-untyped-def]
    base, data_dir = device_site
    manifest_path = data_dir / "device" / "manifest.json"
    original = manifest_path.read_text()
    with socket(base, "/ws/chat/", visitor(base).cookie) as ws:
        old = json.loads(ws.recv(timeout=30))["device"]["version"]
        password = on_device(base, old, [PASSWORD])["answers"][0]
        try:
            manifest_path.write_text(json.dumps({**json.loads(original), "version": "retrained"}))
            client_id = send(ws, PASSWORD, password["frame"])
            seen = events_until(ws, "reply.end")
            assert {"type": "device.answer.refused", "client_id": client_id, "reason": "stale"} in seen
            assert "reset your password" in seen[-1]["text"]
            row = message_row(data_dir, seen[-1]["in_reply_to"])
            assert (row["device_refused"], row["device_version"], row["answered_on_device"]) == ("stale", old, 0)
            # a widget that loads now gets the new version, which the server names in its hello
            with socket(base, "/ws/chat/", visitor(base).cookie) as fresh:
                assert json.loads(fresh.recv(timeout=30))["device"]["version"] == "retrained"
            assert on_device(base, "retrained", [PASSWORD])["status"]["version"] == "retrained"
        finally:
            manifest_path.write_text(original)


def test_a_browser_with_a_built_in_translator_is_asked_for_its_customers_language(device_site) -> None:  # type: ignore[no-untyped-def]
    """An Italian customer's browser (navigator.languages) is asked once, when the assistant is ready, whether it
    can translate from English into Italian (static/chat/device/translation.js); English answers are unchanged."""
    base, _ = device_site
    with socket(base, "/ws/chat/", visitor(base).cookie) as ws:
        version = json.loads(ws.recv(timeout=30))["device"]["version"]
    decided = on_device(base, version, [PASSWORD], navigator={"languages": ["it-IT", "it", "en"]},
                        translator={"availability": "available"})
    assert decided["status"]["state"] == "ready"
    assert decided["translator"]["availability"] == [{"sourceLanguage": "en", "targetLanguage": "it"}]
    assert decided["translator"]["create"] == [{"sourceLanguage": "en", "targetLanguage": "it"}]
    [password] = decided["answers"]
    assert "translated" not in password["frame"] and decided["translator"]["translate"] == []
