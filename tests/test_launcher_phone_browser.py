"""On a phone the chat's launcher floats over the page's bottom edge: no control of the page may sit under it.

A walkthrough on a 390x844 phone in Spanish (dan, his delivered order 10036 with 2 × Blue ceramic table lamp): with the
refund form's quantity box, its "¿Por qué?" field or its "Enviar mi solicitud de reembolso" button at the bottom edge
of the screen, the launcher ("Chatea con nosotros") lay on top of it: `document.elementFromPoint` at the control's
centre was the launcher. The same held for the cart's and the checkout's last buttons. On a phone the launcher is a
round icon in the corner (its name still "Chatea con nosotros" for a screen reader), and the page's end leaves room
under its last control; on a laptop it keeps its label. Fixtures (`site`, `tabs`, `screenshots`): tests/browser.py.
Screenshots are also written to /tmp/h3/ to look at.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser import customer_sign_in

pytestmark = pytest.mark.timeout(180)

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1280, "height": 720}}
ORDER = "10036"
LOOK = Path("/tmp/h3")

# The control's centre, after scrolling its bottom edge to the screen's bottom edge (as a thumb would, not through
# scrollIntoView, which a page's scroll-padding could bend): what is there, if it is not the control itself.
_AT_BOTTOM_EDGE = """(el) => {
    window.scrollBy(0, el.getBoundingClientRect().bottom - window.innerHeight);
    const r = el.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    const what = (node) => node ? (node.closest("#chat") ? "the chat: " + (node.closest("button") || node).textContent.trim()
                                                        : node.tagName + "." + node.className) : "nothing";
    return {bottom_gap: window.innerHeight - r.bottom, over: hit && (hit === el || el.contains(hit)) ? null : what(hit)};
}"""

# Scrolled to the page's end: the page's controls on the screen whose centre is under something else (the launcher).
_COVERED_AT_THE_END = """() => {
    window.scrollTo(0, document.documentElement.scrollHeight);
    return [...document.querySelectorAll("main a, main button, main input, main textarea, main select, "
                                         + "footer a, footer button, footer input")]
      .filter((el) => !el.closest("#chat") && el.getClientRects().length)
      .filter((el) => { const r = el.getBoundingClientRect();
                        if (r.bottom <= 0 || r.top >= window.innerHeight) return false;  // not on the screen
                        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                        return !(hit && (hit === el || el.contains(hit))) && hit && hit.closest("#chat"); })
      .map((el) => el.textContent.trim() || el.getAttribute("name") || el.tagName);
}"""


def _shot(tab, screenshots: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    LOOK.mkdir(parents=True, exist_ok=True)
    tab.shot(screenshots, name)
    tab.page.screenshot(path=str(LOOK / f"{name}.png"))


def _no_control_under_the_launcher(tab, screenshots: Path, name: str, controls: dict) -> None:  # type: ignore[no-untyped-def]
    """Each control scrolled to the screen's bottom edge, then the page scrolled to its end: none under the chat."""
    page = tab.page
    covered = {}
    for label, locator in controls.items():
        seen = locator.evaluate(_AT_BOTTOM_EDGE)
        page.wait_for_timeout(100)
        _shot(tab, screenshots, f"{name}-{re.sub(r'[^a-z0-9]+', '-', label.lower()).strip('-')}-at-bottom-edge")
        if seen["over"]:
            covered[label] = f"{seen['over']} (control {seen['bottom_gap']:.0f}px above the screen's bottom edge)"
    at_the_end = page.evaluate(_COVERED_AT_THE_END)
    page.wait_for_timeout(100)
    _shot(tab, screenshots, f"{name}-page-end")
    assert covered == {}, f"under the chat launcher at the screen's bottom edge: {covered}"
    assert at_the_end == [], f"under the chat launcher at the page's end: {at_the_end}"


def test_the_refund_form_on_a_phone_is_never_under_the_chat_launcher(tabs, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    tab = tabs(**PHONE)
    page = tab.page
    customer_sign_in(page, "dan")
    page.goto(f"/es/orders/{ORDER}/")
    form = page.locator("section[aria-labelledby=ask-refund] form")
    expect(form).to_contain_text("2 × Lámpara de mesa de cerámica azul")  # the demo order this test is about
    quantity = form.locator("input[type=number]").first
    reason = form.get_by_label("¿Por qué?")
    submit = form.get_by_role("button", name="Enviar mi solicitud de reembolso")
    launcher = page.get_by_role("button", name="Chatea con nosotros")  # its name stays, icon or not
    expect(launcher).to_be_visible()
    _no_control_under_the_launcher(tab, screenshots, "launcher-phone-refund",
                                   {"quantity": quantity, "reason": reason, "submit": submit})

    # The launcher still opens the chat, and the earlier fix holds: typing in a page field, the launcher steps aside.
    reason.focus()
    expect(launcher).to_be_hidden()
    page.locator("main h1").first.click()
    expect(launcher).to_be_visible()
    box = launcher.bounding_box()
    assert box and box["width"] >= 44 and box["height"] >= 44, f"too small to tap: {box}"
    launcher.click()
    expect(page.locator("#chat-panel")).to_be_visible()


def test_the_cart_and_checkout_buttons_on_a_phone_are_never_under_the_chat_launcher(tabs, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    tab = tabs(**PHONE)
    page = tab.page
    customer_sign_in(page, "dan")
    page.goto("/es/")
    page.locator("ul.grid li.card a").first.click()
    page.locator(".add-to-cart button").click()
    page.wait_for_url(re.compile(r"/es/cart/$"))
    cart = page.locator("main form").first
    checkout = cart.locator("a.button")
    _no_control_under_the_launcher(tab, screenshots, "launcher-phone-cart", {
        "quantity": cart.locator("input.quantity").first,
        "remove": cart.locator("button[name=remove]").first,
        "update": cart.locator("button.secondary"),
        "checkout": checkout,
    })
    checkout.click()
    page.wait_for_url(re.compile(r"/es/checkout/$"))
    form = page.locator("main form").last
    expect(form.locator("button[type=submit]")).to_be_visible()
    fields = form.locator(":is(input:not([type=hidden]), select, textarea, button):visible")
    controls = {f"{i}-{fields.nth(i).get_attribute('name') or 'button'}": fields.nth(i) for i in range(fields.count())}
    assert len(controls) >= 4, controls  # the delivery address, shipping, billing fields and the button
    _no_control_under_the_launcher(tab, screenshots, "launcher-phone-checkout", controls)


def test_on_a_laptop_the_launcher_keeps_its_label(tabs, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    tab = tabs(**LAPTOP)
    page = tab.page
    page.goto("/es/")
    launcher = page.locator(".chat-launcher")
    expect(launcher).to_have_text(re.compile("Chatea con nosotros"), use_inner_text=True)  # shown, not only spoken
    box = launcher.bounding_box()
    assert box and box["width"] > 150, box
    _shot(tab, screenshots, "launcher-laptop")
