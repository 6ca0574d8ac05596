"""Fixtures for the real-browser tests: a live site under daphne and headless Chromium.

The site runs under daphne in a subprocess against its own SQLite database in a
temporary data dir (migrated, demo data loaded, index built, router trained), so the
browser talks to the real ASGI app: pages over HTTP and the chat over `/ws/chat/`.
Training the router and embedding the help centre take a while, so the test run's own
router artifact and index are copied in, and rebuilt only if they are stale.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import service_missing
from tests.production_stack import prepare_site
from tools.processes import daphne_start, free_port, http_ok, stop_process, wait_until


BASE_DIR = Path(settings.BASE_DIR)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
DEMO_PASSWORD = "shoppe-demo"
REPLY_TIMEOUT_MS = 45_000  # the first reply may wait for the server to finish loading the models

def _chromium() -> str:
    path = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    if not path:
        service_missing("Chromium not found: apt-get install chromium")
    return path  # type: ignore[return-value]


def _server_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    # Embedded mode only: never point a throwaway demo site at a real database or Redis.
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS"):
        env.pop(name, None)
    env.update({
        "DJANGO_SETTINGS_MODULE": "shoppe.settings",
        "SHOPPE_DATA_DIR": str(data_dir),
        "SHOPPE_MODEL_DIR": str(settings.MODEL_DIR),
        # No DEBUG: the embedded defaults `make run` serves (static files, a generated key, no debug pages).
        "PYTHONUNBUFFERED": "1",
        # The server answers every message, as the browser tests of the server's tiers expect; the tests
        # of the on-device tier switch it on (tests/test_device_widget_browser.py).
        "DEVICE_ANSWERS": "0",
    })
    return env


@pytest.fixture(scope="module")
def chromium_path() -> str:
    return _chromium()


def fake_gemini_fixtures(answer, site_name: str, **settings_env: str):  # type: ignore[no-untyped-def]
    """A module's `gemini` and `site` fixtures: the suite's fake Gemini server (tests/fakes/gemini.py) answering with
    `answer(request)`, and a live site whose LLM tier calls it through the real google-genai client. A module
    takes them with `gemini, site = fake_gemini_fixtures(...)`."""
    from tests.fakes.gemini import FakeGemini

    @pytest.fixture(scope="module")
    def gemini() -> Iterator[FakeGemini]:
        with FakeGemini() as server:
            server.on_request = answer
            yield server

    @pytest.fixture(scope="module")
    def site(chromium_path: str, tmp_path_factory: pytest.TempPathFactory, run_artifacts: None,
             gemini: FakeGemini) -> Iterator[str]:
        with live_site(tmp_path_factory.mktemp(site_name), LLM_PROVIDER="gemini", GEMINI_API_KEY="test-key",
                       GEMINI_BASE_URL=gemini.base_url, **settings_env) as base:
            yield base

    return gemini, site


@contextlib.contextmanager
def live_site(data_dir: Path, **settings_env: str) -> Iterator[str]:
    """A demo site under daphne on a free port, with `settings_env` added to its environment; yields its URL."""
    env = {**_server_env(data_dir), **settings_env}
    prepare_site(data_dir, env, demo=True)

    log_path = data_dir / "daphne.log"
    port = free_port()
    with open(log_path, "wb") as log:
        server = daphne_start(port=port, env=env, stdout=log)
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            # Ready to chat, as a load balancer would wait for: pages are served earlier, while
            # the assistant gets ready (#14 item 5), and the widget would say "Getting ready…".
            # The models load after the pages are served.
            wait_until(lambda: http_ok(base + "/healthz"), processes=[server], timeout=90,
                       what=f"daphne to get ready on {base} (/healthz)")
        except RuntimeError as exc:
            pytest.fail(f"{exc}:\n{log_path.read_text()[-3000:]}")
        yield base
    finally:
        stop_process(server)
        print(f"\ndaphne log: {log_path}")


@pytest.fixture(scope="module")
def site(chromium_path: str, tmp_path_factory: pytest.TempPathFactory, run_artifacts: None) -> Iterator[str]:
    """The ASGI site under daphne on a free port; yields its base URL."""
    with live_site(tmp_path_factory.mktemp("browser-site")) as base:
        yield base


@pytest.fixture(scope="module")
def browser(chromium_path: str):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.getbasetemp() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Tab:
    """A page in its own browser context, recording page errors, CSP violations and the chat socket's frames."""

    def __init__(self, browser, base: str, **context_options) -> None:  # type: ignore[no-untyped-def]
        self.base = base
        self.context = browser.new_context(base_url=base, **context_options)
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.csp_violations: list[str] = []  # what the Content-Security-Policy blocked (Chromium reports it on the console)
        self.frames: list[dict] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", self._console)
        self.page.on("websocket", self._watch)

    def _console(self, message) -> None:  # type: ignore[no-untyped-def]
        if "Content Security Policy" in message.text:
            self.csp_violations.append(f"{self.page.url}: {message.text}")

    def _watch(self, ws) -> None:  # type: ignore[no-untyped-def]
        def received(payload) -> None:  # type: ignore[no-untyped-def]
            try:
                self.frames.append(json.loads(payload))
            except (TypeError, ValueError):
                pass

        ws.on("framereceived", received)

    def events(self, kind: str) -> list[dict]:
        return [f for f in self.frames if f.get("type") == kind]

    def shot(self, folder: Path, name: str) -> Path:
        path = folder / f"{name}.png"
        self.page.screenshot(path=str(path))
        print(f"\nscreenshot: {path}")
        return path


@pytest.fixture
def tabs(browser, site: str) -> Iterator:  # type: ignore[no-untyped-def]
    opened: list[Tab] = []

    def open_tab(**context_options) -> Tab:  # type: ignore[no-untyped-def]
        tab = Tab(browser, site, **context_options)
        opened.append(tab)
        return tab

    yield open_tab
    tabs_closed(opened)


def tabs_closed(opened: list[Tab]) -> None:
    """Close the tabs; none may have had a JavaScript error or a Content-Security-Policy violation."""
    for tab in opened:
        tab.context.close()
    for tab in opened:
        assert not tab.errors, f"JavaScript errors on the page: {tab.errors}"
        assert not tab.csp_violations, "blocked by the Content-Security-Policy:\n" + "\n".join(tab.csp_violations)


def finished_reply(page):  # type: ignore[no-untyped-def]
    """The newest bot reply, once `reply.end` has stamped its route."""
    from playwright.sync_api import expect

    reply = page.locator("li.chat-bot[data-route]").last
    expect(reply).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    expect(reply.locator(".chat-text")).not_to_have_text("")
    return reply


def staff_sign_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    """Sign a browser tab in as staff through the admin's sign-in form, landing on the console."""
    page.goto("/admin/login/?next=/console/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("input[type=submit], button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/console/$"))


def customer_sign_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    """Sign a browser tab in as a customer through the shop's sign-in form, landing on their orders."""
    page.goto("/account/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/orders/$"))
