"""The chat widget in the page's language (#16): Dutch on /nl/, its strings from Django's
JavaScript catalogue (a same-origin script under the CSP), the team's return time worded
through Intl, and no layout broken by the longer German, French or Spanish strings on a phone.

Fixtures (`tabs`, `screenshots`) are in tests/browser.py; the site here has the team away
(in only three days from now), so the greeting says when they are back.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(420)  # the first test also starts the site (its own SUPPORT_HOURS)

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DUTCH_DAYS = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]


def _back_day() -> int:
    from django.utils import timezone

    return (timezone.localtime().weekday() + 3) % 7


@pytest.fixture(scope="module")
def site(chromium_path: str, tmp_path_factory: pytest.TempPathFactory, run_artifacts: None) -> Iterator[str]:
    """The site with the team in only on a day three days ahead: away now, back on a named weekday."""
    from tests.browser import live_site

    with live_site(tmp_path_factory.mktemp("languages-site"), SUPPORT_HOURS=f"{DAYS[_back_day()]} 09:00-10:00") as base:
        yield base


def _overflow(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Widget parts wider than their box or sticking out of the 390 px screen."""
    return page.evaluate(
        """() => {
            const out = [];
            const width = document.documentElement.clientWidth;
            for (const el of document.querySelectorAll('#chat *')) {
                const box = el.getBoundingClientRect();
                if (!box.width || !box.height || el.closest('[hidden]') || el.classList.contains('visually-hidden')) continue;
                if (el.closest('.visually-hidden')) continue;
                const name = el.tagName.toLowerCase() + '.' + [...el.classList].join('.');
                if (box.left < -1 || box.right > width + 1) out.push(name + ' off screen ' + Math.round(box.left) + '..' + Math.round(box.right));
                const style = getComputedStyle(el);
                if (el.scrollWidth > el.clientWidth + 1 && style.overflowX !== 'auto' && style.overflowX !== 'scroll'
                    && el.tagName !== 'TEXTAREA' && el.clientWidth) out.push(name + ' cut ' + el.scrollWidth + '>' + el.clientWidth);
            }
            return out;
        }"""
    )


def test_the_dutch_storefront_gets_a_dutch_widget(tabs, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    tab = tabs(**PHONE)
    page = tab.page
    catalogues: list[str] = []
    page.on("request", lambda request: catalogues.append(request.url) if "jsi18n" in request.url else None)
    page.goto("/nl/")
    assert [url.split(tab.base, 1)[-1] for url in catalogues] == ["/nl/jsi18n/"]

    launcher = page.locator(".chat-launcher")
    expect(launcher).to_contain_text("Chat met ons")
    launcher.click()
    welcome = page.locator("li.chat-welcome")
    expect(welcome).to_contain_text("Hoi! Ik ben de assistent van Example Shoppe.")
    # Away now: back on a weekday, in Dutch, from Intl ("donderdag om 09:00"), not the server's English words.
    expect(welcome.locator(".chat-welcome-team")).to_have_text(
        f"Ons team is er op dit moment niet; ze zijn {DUTCH_DAYS[_back_day()]} om 09:00 (Amsterdamse tijd) weer terug. "
        "Ik kan je meteen helpen.")
    expect(welcome.get_by_role("button", name="Waar is mijn bestelling?")).to_be_visible()
    expect(page.locator("#chat-input")).to_have_attribute("placeholder", "Vraag over bestelling, bezorging, retour…")
    expect(page.get_by_role("button", name="Versturen", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Foto toevoegen")).to_be_visible()
    expect(page.get_by_role("button", name="Chat sluiten")).to_be_visible()
    expect(page.locator("#chat-title")).to_have_text("Klantenservice Example Shoppe")
    assert page.locator("#chat").get_attribute("lang") == "nl"
    tab.shot(screenshots, "widget-nl-390x844")
    assert _overflow(page) == []

    # A suggested question is sent as the customer's words, in Dutch.
    welcome.get_by_role("button", name="Hoe lang duurt de bezorging?").click()
    expect(page.locator("li.chat-customer").last).to_contain_text("Hoe lang duurt de bezorging?")
    rating = page.locator("li.chat-bot[data-route] .chat-rating").last
    expect(rating).to_be_visible(timeout=45_000)
    expect(rating.get_by_role("button", name="Nuttig", exact=True)).to_be_visible()
    expect(rating.get_by_role("button", name="Niet nuttig")).to_be_visible()
    tab.shot(screenshots, "widget-nl-answered-390x844")
    assert _overflow(page) == []


@pytest.mark.parametrize("language, greeting, send", [
    ("de", "Hallo! Ich bin der Assistent von Example Shoppe.", "Senden"),
    ("fr", "Bonjour ! Je suis l'assistant d'Example Shoppe.", "Envoyer"),
    ("es", "¡Hola! Soy el asistente de Example Shoppe.", "Enviar"),
])
def test_the_longer_strings_fit_on_a_phone(tabs, screenshots: Path, language: str, greeting: str,  # type: ignore[no-untyped-def]
                                           send: str) -> None:
    from playwright.sync_api import expect

    from tests.browser import customer_sign_in

    tab = tabs(**PHONE)
    page = tab.page
    customer_sign_in(page, {"de": "bob", "fr": "carol", "es": "dan"}[language])  # the header has "Past conversations"
    page.goto(f"/{language}/")
    page.locator(".chat-launcher").click()
    expect(page.locator("li.chat-welcome")).to_contain_text(greeting)
    expect(page.locator(".chat-past")).to_be_visible()
    expect(page.get_by_role("button", name=send, exact=True)).to_be_visible()
    tab.shot(screenshots, f"widget-{language}-390x844")
    assert _overflow(page) == []


def test_an_english_page_keeps_the_english_widget(tabs) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page = tabs(**PHONE).page
    page.goto("/")
    page.locator(".chat-launcher").click()
    expect(page.locator("li.chat-welcome")).to_contain_text("Hi! I'm the Example Shoppe assistant.")
    weekday = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][_back_day()]
    expect(page.locator(".chat-welcome-team")).to_contain_text(f"they're back {weekday} at 09:00 (Amsterdam time)")


@pytest.mark.parametrize("language", ["en", "nl", "de", "fr", "es"])
def test_the_message_box_shows_its_whole_hint_in_every_language(tabs, language: str) -> None:  # type: ignore[no-untyped-def]
    """"Vraag naar een bestelling, bezorging, …" needed three lines of the two-line box: its last line was cut off."""
    from playwright.sync_api import expect

    for context in (PHONE, {"viewport": {"width": 1280, "height": 720}}):
        page = tabs(**context).page
        page.goto("/" if language == "en" else f"/{language}/")
        page.locator(".chat-launcher").click()
        box = page.locator("#chat-input")
        expect(box).to_be_visible()
        # The hint's lines, measured as the same words typed into the box (a placeholder has no scroll height).
        hidden = box.evaluate("""box => { const hint = box.placeholder; box.value = hint;
                                          const cut = box.scrollHeight - box.clientHeight; box.value = ''; return cut; }""")
        assert hidden <= 1, (language, context["viewport"], box.get_attribute("placeholder"), hidden)
