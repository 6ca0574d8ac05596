"""The Content-Security-Policy in a real (headless) Chromium: the site works under it, injected script does not run.

Every tab of the browser tests fails on a CSP violation Chromium reports (tests/browser.py:
`tabs`), so the other browser tests (chat, console, ops) check the policy too. Here: a
walk through every kind of page as a visitor, a customer and staff; and a page with
HTML injected into it, as an XSS would, whose script must not run.
"""
from __future__ import annotations

import re

import pytest

from tests.browser import DEMO_PASSWORD, finished_reply
from tests.conftest import slow

pytestmark = pytest.mark.timeout(240)

INJECTED = (  # each records that it ran in window.__injected
    '<script>(window.__injected = window.__injected || []).push("inline script")</script>'
    '<img src="/static/shoppe/site.css" onerror="(window.__injected = window.__injected || []).push(\'onerror\')">'
    '<a id="injected-link" '
    'href="javascript:void (window.__injected = window.__injected || []).push(\'javascript: url\')">'
    'win a prize</a>'
    '<div id="injected-style" style="display: none">styled</div>'
)


def _policy(response) -> str:  # type: ignore[no-untyped-def]
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy, (response.url, policy)
    return policy


def _sign_in(page, path: str, username: str, landing: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(path)
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("input[type=submit], button[type=submit]").first.click()
    page.wait_for_url(re.compile(landing))


@slow
def test_the_site_works_under_the_policy(tabs) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    # A visitor: the storefront, the help centre, a 404 and the chat (its session request and socket).
    visitor = tabs()
    page = visitor.page
    for path in ("/products/", "/help/", "/help/shipping-and-delivery/", "/no-such-page/", "/account/login/", "/"):
        _policy(page.goto(path))
    page.locator(".chat-launcher").click()
    page.fill("#chat-input", "how long does delivery take?")
    page.get_by_role("button", name="Send").click()
    assert "deliver" in finished_reply(page).locator(".chat-text").inner_text().lower()
    conversation_id = visitor.events("history")[0]["conversation_id"]

    # A customer: her orders, an order, its invoice, whose Print button still prints.
    customer = tabs()
    page = customer.page
    page.add_init_script("window.print = () => { window.__printed = (window.__printed || 0) + 1; };")
    _sign_in(page, "/account/login/", "alice", r"/orders/$")
    page.locator("tr", has_text="Delivered").locator("a").first.click()
    page.wait_for_url(re.compile(r"/orders/\d+/$"))
    _policy(page.goto(page.url))
    page.get_by_role("link", name=re.compile("^Invoice")).click()
    page.wait_for_url(re.compile(r"/invoice/$"))
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("window.__printed") == 1

    # Staff: the console (live over its socket), the ops pages and the admin.
    staff = tabs(viewport={"width": 1440, "height": 900})
    page = staff.page
    _sign_in(page, "/admin/login/?next=/console/", "supervisor", r"/console/$")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    for path in ("/ops/", "/ops/escalations/", f"/ops/conversations/{conversation_id}/", "/admin/",
                 "/admin/support/conversation/", f"/admin/support/conversation/{conversation_id}/change/",
                 "/admin/support/handoff/", "/admin/shoppe/order/", "/admin/support/refundrequest/"):
        response = page.goto(path)
        assert response.status == 200, (path, response.status)
        _policy(response)
    page.goto("/ops/")
    expect(page.locator("svg.meter rect").first).to_be_attached()


def test_injected_html_runs_no_script(tabs) -> None:  # type: ignore[no-untyped-def]
    """As if some HTML had slipped past escaping into a page: the policy still runs none of it."""
    tab = tabs()
    page = tab.page

    def inject(route) -> None:  # type: ignore[no-untyped-def]
        response = route.fetch()
        body = response.text().replace("</main>", INJECTED + "</main>")
        route.fulfill(response=response, body=body)

    page.route(re.compile(r".*/help/$"), inject)
    response = page.goto("/help/")
    page.locator("#injected-link").click()
    page.wait_for_timeout(500)
    assert page.evaluate("window.__injected") is None
    _policy(response)
    assert page.locator("#injected-style").is_visible()  # its style attribute was not applied either
    blocked = "\n".join(tab.csp_violations)
    assert "script-src" in blocked and "style-src" in blocked, blocked
    tab.csp_violations.clear()  # expected here; any other page's violation still fails its test
