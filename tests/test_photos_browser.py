"""End-to-end (#15 item 12): a customer attaches a photo of the damage; staff see it inline in the console.

The live daphne site, real Chromium: the widget's paperclip posts the photo over HTTP
(multipart, CSRF), the socket announces it, the console shows the thumbnail live and
after a reload, and the photo view serves it to the customer and staff only. Phone
(390x844) and desktop (1280x720); every tab fails on a CSP violation or a page error.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from tests.browser import REPLY_TIMEOUT_MS, customer_sign_in, staff_sign_in

pytestmark = pytest.mark.timeout(240)

CONSOLE_VIEWPORT = {"width": 1280, "height": 720}
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 720}}
CUSTOMERS = {"phone": ("alice", "Alice Jansen"), "desktop": ("bob", "Bob Peeters")}


def damage_photo() -> bytes:
    """A 1200x900 'photo' of a cracked lamp base: big enough to be scaled, small enough to be quick."""
    image = Image.new("RGB", (1200, 900), (214, 204, 186))
    draw = ImageDraw.Draw(image)
    draw.ellipse((350, 250, 850, 750), fill=(40, 90, 150))
    draw.line((420, 300, 560, 480, 520, 620, 700, 720), fill=(20, 20, 20), width=14)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _chat_send(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.fill("#chat-input", text)
    page.get_by_role("button", name="Send", exact=True).click()


def _loaded(image) -> bool:  # type: ignore[no-untyped-def]
    return image.evaluate("img => img.complete && img.naturalWidth > 0")


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_customer_attaches_a_photo_and_staff_see_it_inline(tabs, screenshots: Path, device: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    username, full_name = CUSTOMERS[device]
    agent_tab = tabs(viewport=CONSOLE_VIEWPORT)
    agent = agent_tab.page
    staff_sign_in(agent, "staff")
    expect(agent.locator("#connection")).to_have_text("Live")

    customer_tab = tabs(viewport=VIEWPORTS[device])
    customer = customer_tab.page
    customer_sign_in(customer, username)
    customer.locator(".chat-launcher").click()
    _chat_send(customer, "I want to talk to a person")
    expect(customer.locator("li.chat-bot[data-route='human']").last).to_be_visible(timeout=REPLY_TIMEOUT_MS)

    # The agent opens the conversation from the queue, before the photo arrives.
    item = agent.locator("#queue-list .queue-item", has_text=full_name).first
    expect(item).to_be_visible()
    item.click()
    expect(agent.locator("#conversation-title")).to_have_text(full_name)

    # A typed message that must survive every refusal below.
    customer.fill("#chat-input", "It arrived cracked")
    chooser = customer.locator(".chat-photo-input")
    error = customer.locator(".chat-error")

    # Not an image: refused in the widget before anything is sent.
    chooser.set_input_files({"name": "drawing.svg", "mimeType": "image/svg+xml", "buffer": b"<svg></svg>"})
    expect(error).to_have_text(re.compile("JPEG, PNG or WebP"))
    expect(customer.locator(".chat-attachment")).to_be_hidden()
    # Too large: also refused before uploading.
    chooser.set_input_files({"name": "huge.jpg", "mimeType": "image/jpeg", "buffer": b"\xff" * (8 * 1024 * 1024 + 1)})
    expect(error).to_have_text("That photo is too large: photos can be at most 8 MB.")
    # Called a JPEG but is not one: the server refuses it, the widget says why and keeps it chosen.
    chooser.set_input_files({"name": "fake.jpg", "mimeType": "image/jpeg", "buffer": b"<html>not a photo</html>"})
    expect(customer.locator(".chat-attachment-name")).to_contain_text("fake.jpg")
    customer.get_by_role("button", name="Send photo").click()
    expect(error).to_have_text(re.compile("isn't a photo we can take"))
    expect(customer.locator(".chat-attachment")).to_be_visible()
    expect(customer.locator("li.chat-photo")).to_have_count(0)
    expect(customer.locator("li.chat-customer.is-pending")).to_have_count(0)
    customer_tab.shot(screenshots, f"photo-0-refused-{device}")

    # A real photo, with the consent line left unticked: staff only.
    chooser.set_input_files({"name": "damage.jpg", "mimeType": "image/jpeg", "buffer": damage_photo()})
    expect(customer.locator(".chat-attachment-name")).to_contain_text("damage.jpg")
    expect(customer.locator(".chat-consent")).to_contain_text("Otherwise only our team sees it")
    customer.get_by_role("button", name="Send photo").click()
    sent = customer.locator("li.chat-photo img")
    expect(sent).to_have_count(1)
    expect(sent).to_be_visible()
    expect(error).to_be_hidden()
    expect(customer.locator(".chat-attachment")).to_be_hidden()
    expect(customer.locator("li.chat-photo")).to_contain_text("Only our team sees this photo.")
    expect(customer.locator("li.chat-photo .chat-text")).to_have_text("Only our team sees this photo.")  # no caption
    expect(customer.locator("#chat-input")).to_have_value("It arrived cracked")  # nothing typed was lost
    customer.wait_for_function("() => { const i = document.querySelector('li.chat-photo img'); return i && i.complete && i.naturalWidth > 0; }")
    box = sent.bounding_box()
    panel = customer.locator("#chat-panel").bounding_box()
    assert box and panel and box["x"] >= panel["x"] and box["x"] + box["width"] <= panel["x"] + panel["width"] + 0.5, (box, panel)
    customer_tab.shot(screenshots, f"photo-1-customer-{device}")

    # Staff see it inline, live: a thumbnail that opens the photo.
    thumb = agent.locator("#transcript .msg-photo img")
    expect(thumb).to_have_count(1)
    agent.wait_for_function("() => { const i = document.querySelector('#transcript .msg-photo img'); return i && i.complete && i.naturalWidth > 0; }")
    assert _loaded(thumb)
    expect(agent.locator("#transcript .msg-photo")).to_contain_text("Only staff see this photo.")
    link = agent.locator("#transcript .msg-photo a")
    url = link.get_attribute("href")
    assert url and re.search(r"/chat/photos/[0-9a-f-]{36}/$", url)
    assert link.get_attribute("target") == "_blank"
    shown = agent.request.get(url)
    assert shown.status == 200 and shown.headers["content-type"] == "image/jpeg"
    assert shown.headers["x-content-type-options"] == "nosniff"
    assert Image.open(io.BytesIO(shown.body())).size == (1200, 900)
    agent_tab.shot(screenshots, f"photo-2-console-{device}")

    # After a reload both still show it (it is a message in the conversation).
    customer.reload()
    expect(customer.locator("li.chat-photo img")).to_have_count(1)
    customer.wait_for_function("() => { const i = document.querySelector('li.chat-photo img'); return i && i.complete && i.naturalWidth > 0; }")
    agent.reload()
    agent.locator("#queue-list .queue-item", has_text=full_name).first.click()
    expect(agent.locator("#transcript .msg-photo img")).to_have_count(1)

    # Opened again on a short window with the photo slow to come (a big photo, a slow line): once it shows, the
    # transcript's end is in view, as it was when the conversation opened.
    held: list = []
    photos = re.compile(r"/chat/photos/[0-9a-f-]{36}/$")
    agent.route(photos, lambda route: held.append(route))
    agent.set_viewport_size({"width": 1280, "height": 420})
    agent.reload()
    agent.locator("#queue-list .queue-item", has_text=full_name).first.click()
    expect(thumb).to_have_count(1)
    for _ in range(100):
        if held:
            break
        agent.wait_for_timeout(50)
    held[0].continue_()
    agent.wait_for_function("() => { const i = document.querySelector('#transcript .msg-photo img'); return i && i.complete && i.naturalWidth > 0; }")
    agent.wait_for_timeout(100)
    below = agent.locator("#transcript").evaluate("t => t.scrollHeight - t.scrollTop - t.clientHeight")
    assert below <= 1, f"the photo pushed the transcript's end {below}px out of view"
    agent_tab.shot(screenshots, f"photo-3-console-slow-photo-{device}")
    agent.unroute(photos)
    agent.set_viewport_size(CONSOLE_VIEWPORT)

    # Another customer's browser gets a 404 for it.
    other = tabs().page
    customer_sign_in(other, "carol")
    assert other.request.get(url).status == 404
