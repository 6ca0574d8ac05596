"""The chat widget with its assistant on the customer's device (issue #19), in a real Chromium.

A site with DEVICE_ANSWERS on (tests/browser.py switches it off for the server's own browser
tests): the widget loads the device assistant when the page is idle, answers routine help
questions at once and sends the passage id and version; the server saves the answer from its own
help centre. Everything else, and every device that is not up to it, goes to the server.
The site's database is read directly (SQLite in its data dir) to check what was recorded.
"""
from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import Tab, finished_reply, live_site, tabs_closed

pytestmark = pytest.mark.timeout(300)

# Records, in the page, when each chat frame arrived and when the device's answer was drawn, on one clock.
TIMELINE = """
window.__timeline = [];
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener("message", (e) => {
      try { window.__timeline.push({ at: performance.now(), frame: JSON.parse(e.data) }); } catch (err) {}
    });
  }
  send(data) {
    try { window.__timeline.push({ at: performance.now(), sent: JSON.parse(data) }); } catch (err) {}
    return super.send(data);
  }
};
new MutationObserver(() => {
  for (const li of document.querySelectorAll("li.is-on-device:not([data-seen])")) {
    li.dataset.seen = "1";
    window.__timeline.push({ at: performance.now(), drawn: li.dataset.deviceClientId || "" });
  }
}).observe(document, { childList: true, subtree: true });
"""
SAVE_DATA = "Object.defineProperty(navigator, 'connection', { value: { saveData: true }, configurable: true });"


@pytest.fixture(scope="module")
def device_site(chromium_path: str, tmp_path_factory: pytest.TempPathFactory, run_artifacts: None) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("device-site")
    with live_site(data_dir, DEVICE_ANSWERS="1") as base:
        yield base, data_dir


@pytest.fixture
def open_tab(browser, device_site) -> Iterator:  # type: ignore[no-untyped-def]
    base, _ = device_site
    opened: list[Tab] = []

    def open_one(*scripts: str, **context_options) -> Tab:  # type: ignore[no-untyped-def]
        tab = Tab(browser, base, **context_options)
        for script in (TIMELINE, *scripts):
            tab.context.add_init_script(script)
        opened.append(tab)
        return tab

    yield open_one
    tabs_closed(opened)


def database(device_site) -> sqlite3.Connection:  # type: ignore[no-untyped-def]
    return sqlite3.connect(device_site[1] / "db.sqlite3")


def timeline(tab: Tab) -> list[dict]:
    return tab.page.evaluate("window.__timeline")


def device_status(tab: Tab, timeout: float = 30) -> dict:
    """The widget's `device.status` frame, once it has loaded (or given up on) its assistant."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sent = [e["sent"] for e in timeline(tab) if e.get("sent", {}).get("type") == "device.status"]
        if sent:
            return sent[0]
        tab.page.wait_for_timeout(100)
    raise AssertionError("the widget never reported its device assistant")


def chat_open(tab: Tab, path: str = "/") -> dict:
    tab.page.goto(path)
    tab.page.locator(".chat-launcher").click()
    return device_status(tab)


def ask(tab: Tab, text: str) -> str:
    """Send `text`; the client_id the widget gave it."""
    page = tab.page
    page.fill("#chat-input", text)
    page.press("#chat-input", "Enter")
    return page.locator("li.chat-customer").last.get_attribute("data-client-id") or ""


def message_row(device_site, client_id: str, *, timeout: float = 30) -> dict:  # type: ignore[no-untyped-def]
    """The customer's message as the site recorded it, once it has its outcome."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with database(device_site) as db:
            db.row_factory = sqlite3.Row
            rows = db.execute("SELECT * FROM support_message WHERE client_id = ?", (client_id.replace("-", ""),)).fetchall()
        if rows and rows[0]["status"] != "received":
            assert len(rows) == 1
            return dict(rows[0])
        time.sleep(0.1)
    raise AssertionError(f"message {client_id} was not answered")


def test_a_help_question_is_answered_on_the_device(open_tab, device_site, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    tab = open_tab()
    status = chat_open(tab)
    assert status["state"] == "ready" and status["version"] and status["load_ms"] >= 0, status
    # (a question the device model built for the run is confident about: its threshold is strict)
    client_id = ask(tab, "I forgot my password")
    answer = tab.page.locator(f'li.chat-bot.is-on-device[data-device-client-id="{client_id}"]')
    expect(answer).to_be_visible()
    assert "reset your password" in answer.locator(".chat-text").inner_text().lower()
    href = answer.locator("ul.chat-sources a").first.get_attribute("href") or ""
    assert href.startswith("/help/account-and-password/"), href
    # the server saves it and gives it a reply id: it can be rated like any other
    expect(answer).to_have_attribute("data-reply-id", re.compile(r"^\d+$"))
    expect(answer.locator(".chat-rating")).to_be_visible()
    events = timeline(tab)
    drawn = next(e["at"] for e in events if e.get("drawn") == client_id)
    saved = next(e["at"] for e in events if e.get("frame", {}).get("type") == "message.saved"
                 and e["frame"]["client_id"] == client_id)
    assert drawn < saved, "the device's answer must show before the server has even saved the question"
    sent = next(e["sent"] for e in events if e.get("sent", {}).get("client_id") == client_id)
    assert set(sent["device"]) == {"version", "passage_id", "language", "intent", "confidence", "decision_ms"}
    assert "text" not in json.dumps(sent["device"]) and sent["device"]["decision_ms"] < 50
    # no second answer, and no decision made on the server
    assert not [e for e in events if e.get("frame", {}).get("type") == "reply.start"]
    row = message_row(device_site, client_id)
    assert row["answered_on_device"] and row["reason"] == "answered on the device"
    assert json.loads(row["scores"]) == {"passage_id": sent["device"]["passage_id"]}
    tab.shot(screenshots, "device-1-answered-on-the-device")


@pytest.mark.parametrize("question", ["I want a refund for my last order", "where is my order?"])
def test_refunds_and_orders_go_to_the_server(open_tab, device_site, question: str) -> None:  # type: ignore[no-untyped-def]
    tab = open_tab()
    assert chat_open(tab)["state"] == "ready"
    client_id = ask(tab, question)
    reply = finished_reply(tab.page)
    assert tab.page.locator("li.is-on-device").count() == 0
    sent = next(e["sent"] for e in timeline(tab) if e.get("sent", {}).get("client_id") == client_id)
    assert "device" not in sent or sent["device"] is None
    row = message_row(device_site, client_id)
    assert not row["answered_on_device"] and row["route"] in ("human", "local") and row["reason"] != "answered on the device"
    assert reply.get_attribute("data-route") == row["route"] or row["route"] == "human"


def test_save_data_leaves_everything_to_the_server_silently(open_tab, device_site, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    tab = open_tab(SAVE_DATA)
    status = chat_open(tab)
    assert (status["state"], status["reason"]) == ("fallback", "save-data")
    client_id = ask(tab, "how long does delivery take?")
    reply = finished_reply(tab.page)
    assert "deliver" in reply.locator(".chat-text").inner_text().lower()
    assert tab.page.locator("li.is-on-device").count() == 0 and tab.page.locator(".chat-error").is_hidden()
    assert not message_row(device_site, client_id)["answered_on_device"]
    with database(device_site) as db:
        assert db.execute("SELECT count(*) FROM support_devicestatus WHERE reason = 'save-data'").fetchone()[0] >= 1
    tab.shot(screenshots, "device-2-save-data-server-answers")


def test_a_device_whose_assistant_cannot_load_falls_back_silently(open_tab, device_site) -> None:  # type: ignore[no-untyped-def]
    tab = open_tab()
    tab.context.route("**/assistant/device/**", lambda route: route.abort())
    status = chat_open(tab)
    assert (status["state"], status["reason"]) == ("fallback", "error")
    client_id = ask(tab, "i forgot my password")
    finished_reply(tab.page)
    assert not message_row(device_site, client_id)["answered_on_device"]


def test_without_webassembly_the_device_still_answers(open_tab, device_site) -> None:  # type: ignore[no-untyped-def]
    """The device assistant is plain JavaScript (rag/device/): a browser without WebAssembly runs it too."""
    from playwright.sync_api import expect

    tab = open_tab("delete window.WebAssembly;")
    assert chat_open(tab)["state"] == "ready"
    client_id = ask(tab, "how do I unsubscribe from the newsletter")
    expect(tab.page.locator(f'li.is-on-device[data-device-client-id="{client_id}"]')).to_be_visible()
    assert message_row(device_site, client_id)["answered_on_device"]


def test_offline_help_is_answered_on_the_device_and_the_rest_waits(open_tab, device_site, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    tab = open_tab()
    page = tab.page
    assert chat_open(tab)["state"] == "ready"
    tab.context.set_offline(True)
    page.evaluate("window.dispatchEvent(new Event('offline'))")
    expect(page.locator(".chat-status")).to_have_text("Reconnecting…", timeout=20_000)
    help_id = ask(tab, "how do I unsubscribe from the newsletter")
    expect(page.locator(f'li.is-on-device[data-device-client-id="{help_id}"]')).to_be_visible()
    order_id = ask(tab, "where is my order?")
    expect(page.locator(f'li.chat-customer[data-client-id="{order_id}"]')).to_have_class(re.compile("is-pending"))
    tab.shot(screenshots, "device-3-offline")
    # back online: both are sent, exactly once; the help answer is saved as the device's, the other answered by the server
    tab.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    finished_reply(page)
    help_row, order_row = message_row(device_site, help_id), message_row(device_site, order_id)
    assert help_row["answered_on_device"] and not order_row["answered_on_device"]
    expect(page.locator(f'li.is-on-device[data-device-client-id="{help_id}"]')).to_have_attribute(
        "data-reply-id", re.compile(r"^\d+$"))
    assert page.evaluate("JSON.parse(localStorage.getItem('shoppe.chat.outbox') || '[]').length") == 0
    tab.shot(screenshots, "device-4-back-online")


def test_a_version_change_is_answered_by_the_server(open_tab, device_site, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    """The server's device model changes (a retrain) while a page holds the old one: its answers are
    refused and the server answers; the next page loads the new version."""
    from playwright.sync_api import expect

    tab = open_tab()
    old = chat_open(tab)["version"]
    manifest_path = device_site[1] / "device" / "manifest.json"
    original = manifest_path.read_text()
    try:
        manifest = json.loads(original)
        manifest["version"] = "retrained" + old[:7]
        manifest_path.write_text(json.dumps(manifest))
        client_id = ask(tab, "I forgot my password")
        reply = finished_reply(tab.page)  # the server's own answer, streamed
        assert "reset your password" in reply.locator(".chat-text").inner_text().lower()
        expect(tab.page.locator(f'li.is-on-device[data-device-client-id="{client_id}"]')).to_have_count(0)
        row = message_row(device_site, client_id)
        assert (row["device_refused"], row["device_version"], row["answered_on_device"]) == ("stale", old, 0)
        tab.shot(screenshots, "device-5-version-change-server-answers")
        # a new page gets the new version
        fresh = open_tab()
        status = chat_open(fresh)
        assert (status["state"], status["version"]) == ("ready", manifest["version"]), status
    finally:
        manifest_path.write_text(original)
