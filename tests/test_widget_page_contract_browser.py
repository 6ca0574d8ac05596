"""The chat widget in Chromium follows what the page says about the server, and refuses unsafe links.

The message limit comes from CHAT_MAX_MESSAGE_CHARS through the page (a site started with 40), and
the sockets' close codes from support/sockets.py, not from numbers in the JavaScript; a source whose
address is not http(s) or a path on this site (a `javascript:` URL in the knowledge base) is shown
as text, never as a link (static/shared/links.js). Fixtures (`browser`) are in tests/browser.py.
"""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.timeout(180)

LIMIT = 40


@pytest.fixture(scope="module")
def short_limit_site(chromium_path: str, tmp_path_factory: pytest.TempPathFactory, run_artifacts: None):  # type: ignore[no-untyped-def]
    from tests.browser import live_site

    with live_site(tmp_path_factory.mktemp("short-limit-site"), CHAT_MAX_MESSAGE_CHARS=str(LIMIT)) as base:
        yield base


@pytest.fixture
def tab(browser, short_limit_site: str):  # type: ignore[no-untyped-def]
    from tests.browser import Tab

    tab = Tab(browser, short_limit_site)
    yield tab
    tab.context.close()
    assert not tab.errors, tab.errors
    assert not tab.csp_violations, tab.csp_violations


def test_the_widget_refuses_a_message_over_the_servers_limit(tab, screenshots) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page = tab.page
    page.goto("/")
    page.locator(".chat-launcher").click()
    # Connected: the history has arrived (a new chat's greeting). It clears the error line, so a
    # check made before it could be wiped (the status line is empty before connecting too).
    expect(page.locator("li.chat-welcome")).to_be_visible()
    # A long complaint pasted in: the box keeps all of it (a maxlength used to cut it short without a word), says at
    # once that it is too long, and sends nothing.
    page.fill("#chat-input", "x" * (LIMIT + 5))
    assert len(page.locator("#chat-input").input_value()) == LIMIT + 5
    expect(page.locator(".chat-count")).to_have_text("5 characters too many")  # how much to cut
    expect(page.locator(".chat-error")).to_have_text(f"Messages can be at most {LIMIT} characters.")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".chat-error")).to_have_text(f"Messages can be at most {LIMIT} characters.")
    expect(page.locator("li.chat-customer")).to_have_count(0)
    page.locator("#chat-input").press("Backspace")  # still too long
    expect(page.locator(".chat-error")).to_be_visible()
    page.fill("#chat-input", "x" * LIMIT)  # short enough: the error goes
    expect(page.locator(".chat-error")).to_be_hidden()
    # Near the limit the characters left show (from 90% of it), so a long story is not stopped by surprise at Send
    expect(page.locator(".chat-count")).to_have_text("0 characters left")
    page.fill("#chat-input", "x" * (LIMIT - 3))
    expect(page.locator(".chat-count")).to_have_text("3 characters left")
    page.locator(".chat-panel").screenshot(path=str(screenshots / "widget-characters-left.png"))
    page.fill("#chat-input", "x" * (LIMIT // 2))
    expect(page.locator(".chat-count")).to_be_hidden()

    page.fill("#chat-input", "Where is my order?")  # within the limit: sent as usual
    page.get_by_role("button", name="Send").click()
    expect(page.locator("li.chat-customer")).to_have_count(1)
    expect(page.locator(".chat-error")).to_be_hidden()


def test_spaces_alone_say_why_nothing_is_sent_and_a_draft_survives_a_reload(tab) -> None:  # type: ignore[no-untyped-def]
    """Session 33's walkthrough: spaces sent nothing and said nothing, and a half-typed message was lost on a reload
    or on another page of the shop."""
    from playwright.sync_api import expect

    page = tab.page
    page.goto("/")
    page.locator(".chat-launcher").click()
    expect(page.locator("li.chat-welcome")).to_be_visible()
    page.fill("#chat-input", "   ")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".chat-error")).to_have_text("Type your message first.")
    expect(page.locator("li.chat-customer")).to_have_count(0)
    page.locator("#chat-input").press_sequentially("the lamp")  # typing again clears the line
    expect(page.locator(".chat-error")).to_be_hidden()

    page.reload()  # the panel opens again, the draft with it
    expect(page.locator("li.chat-welcome")).to_be_visible()
    expect(page.locator("#chat-input")).to_have_value("   the lamp")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("li.chat-customer")).to_have_count(1)
    expect(page.locator("#chat-input")).to_have_value("")
    page.reload()  # sent: no draft comes back
    expect(page.locator("li.chat-customer")).to_have_count(1)
    expect(page.locator("#chat-input")).to_have_value("")


def test_the_widget_shows_an_unsafe_source_as_text(tab) -> None:  # type: ignore[no-untyped-def]
    page = tab.page
    page.goto("/")
    # The widget's own transcript code (static/chat/transcript.js), drawing sources into a detached list.
    drawn = page.evaluate("""async () => {
        const { chatTranscript } = await import("/static/chat/transcript.js");
        const log = document.createElement("ol");
        const { bubble, addSources } = chatTranscript(log);
        const li = bubble("bot", "See the sources.", {});
        addSources(li, [
            { title: "Delivery", url: "/help/delivery/" },
            { title: "Trap", url: "javascript:alert(1)" },
            { title: "Hidden trap", url: " JaVaScRiPt:alert(1)" },
            { title: "Data", url: "data:text/html,<b>hi</b>" },
            { title: "Elsewhere", url: "//elsewhere.example/help/" },
            { title: "Carrier", url: "https://carrier.example/track" },
        ]);
        return [...li.querySelectorAll(".chat-sources li")].map((item) => {
            const a = item.querySelector("a");
            return [item.textContent, a ? a.getAttribute("href") : null];
        });
    }""")
    assert drawn == [
        ["Delivery", "/help/delivery/"],
        ["Trap", None],
        ["Hidden trap", None],
        ["Data", None],
        ["Elsewhere", None],
        ["Carrier", "https://carrier.example/track"],
    ]


def test_a_sign_in_link_in_a_reply_brings_the_customer_back_to_the_page(tab) -> None:  # type: ignore[no-untyped-def]
    # Session 26's walkthrough: the chat's "Sign in" led to My orders, away from the page the customer chatted on
    page = tab.page
    page.goto("/products/?category=Lamps")
    hrefs = page.evaluate("""async () => {
        const { chatTranscript } = await import("/static/chat/transcript.js");
        const { bubble, addSources } = chatTranscript(document.createElement("ol"));
        const li = bubble("bot", "Please sign in.", {});
        addSources(li, [{ title: "Sign in", url: "/de/account/login/" }, { title: "Help", url: "/help/" }]);
        return [...li.querySelectorAll(".chat-sources a")].map((a) => a.getAttribute("href"));
    }""")
    assert hrefs == ["/de/account/login/?next=%2Fproducts%2F%3Fcategory%3DLamps", "/help/"]


def test_the_widget_stops_when_the_server_closes_for_a_sign_out(tab) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    from tests.browser import customer_sign_in

    page = tab.page
    customer_sign_in(page, "alice")
    page.locator(".chat-launcher").click()
    # Connected: the history has arrived (a new chat's greeting). It clears the error line, so a
    # check made before it could be wiped (the status line is empty before connecting too).
    expect(page.locator("li.chat-welcome")).to_be_visible()
    expect(page.locator("ol.chat-log > li").first).to_be_visible()  # the history arrived

    # Signed out in another tab: the socket closes with the server's code for it, and the widget
    # says so instead of reconnecting (as a visitor, to a chat that is not hers).
    other = tab.context.new_page()
    other.goto("/")
    other.get_by_role("button", name="Sign out Alice").click()
    expect(page.locator(".chat-status")).to_have_text("Signed out")
    expect(page.locator(".chat-error")).to_contain_text("Please sign in again")
    page.wait_for_timeout(2000)  # longer than the first retry would wait
    expect(page.locator(".chat-status")).to_have_text("Signed out")


def chat_opened(page) -> None:  # type: ignore[no-untyped-def]
    """The chat panel open (it opens by itself on a page after one where it was open)."""
    if page.locator(".chat-panel").is_hidden():
        page.locator(".chat-launcher").click()


def test_what_a_customer_left_unsent_never_reaches_the_next_person_at_the_browser(tab) -> None:  # type: ignore[no-untyped-def]
    """Session 35's walkthrough: alice's unsent message (a phone number in it) went out from the sign-in page as a
    visitor's after she signed out, and her half-typed draft showed in the next customer's chat."""
    from playwright.sync_api import expect

    from tests.browser import customer_sign_in

    page = tab.page
    customer_sign_in(page, "alice")
    chat_opened(page)
    expect(page.locator("li.chat-welcome")).to_be_visible()
    page.locator("#chat-input").press_sequentially("my address is Keizersgracht 12")
    # what a dropped connection leaves waiting to be sent (static/chat/store.js `outbox`)
    page.evaluate("""() => localStorage.setItem("shoppe.chat.outbox", JSON.stringify(
        [{ client_id: "c0ffee00-0000-4000-8000-000000000001", text: "please call me on +31 6 1234 5678" }]))""")
    with page.expect_navigation():  # the header's sign-out form (folded into a menu on a narrow page)
        page.evaluate("() => document.querySelector(\"form[action$='/logout/'] button\").click()")

    page.goto("/")
    chat_opened(page)
    expect(page.locator("li.chat-welcome")).to_be_visible()
    expect(page.locator("#chat-input")).to_have_value("")
    expect(page.locator("li.chat-customer")).to_have_count(0)
    assert page.evaluate("() => localStorage.getItem('shoppe.chat.outbox')") is None

    customer_sign_in(page, "bob")
    chat_opened(page)
    expect(page.locator("#chat-input")).to_have_value("")
    expect(page.locator("li.chat-customer")).to_have_count(0)


def test_a_visitors_unsent_message_is_kept_when_they_sign_in(tab) -> None:  # type: ignore[no-untyped-def]
    """The other way round is the same person: a visitor's draft survives signing in."""
    from playwright.sync_api import expect

    from tests.browser import customer_sign_in

    page = tab.page
    page.goto("/account/login/")
    chat_opened(page)
    page.locator("#chat-input").press_sequentially("where is my sofa")
    customer_sign_in(page, "carol")
    chat_opened(page)
    expect(page.locator("#chat-input")).to_have_value("where is my sofa")


def test_back_to_a_page_shows_the_draft_typed_since(tab) -> None:  # type: ignore[no-untyped-def]
    """Session 35's walkthrough: back to a page from the browser's history, the chat showed that page's older draft."""
    from playwright.sync_api import expect

    page = tab.page
    page.goto("/help/")
    chat_opened(page)
    page.locator("#chat-input").press_sequentially("the first")
    page.goto("/products/")
    chat_opened(page)
    page.fill("#chat-input", "")
    page.locator("#chat-input").press_sequentially("the second")
    page.go_back()
    expect(page).to_have_url(re.compile(r"/help/$"))
    expect(page.locator("#chat-input")).to_have_value("the second")
