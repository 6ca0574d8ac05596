"""The chat widget in the page's language (#16): Dutch on /nl/, Italian on /it/, its strings from
Django's JavaScript catalogue (a same-origin script under the CSP), the team's return time worded
through Intl, and no layout broken by the longer German, French, Spanish, Italian, Polish or
Portuguese strings on a phone.

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
ITALIAN_DAYS = ["lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"]


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


# The widget's words on a Dutch and an Italian page: an Italian customer chatted in Italian under English buttons.
WIDGET_WORDS = {
    "nl": {"launcher": "Chat met ons", "greeting": "Hoi! Ik ben de assistent van Example Shoppe.",
           "team": "Ons team is er op dit moment niet; ze zijn {day} om 09:00 (Amsterdamse tijd) weer terug. "
                   "Ik kan je meteen helpen.", "days": DUTCH_DAYS,
           "where": "Waar is mijn bestelling?", "hint": "Vraag over bestelling, bezorging, retour…",
           "send": "Versturen", "photo": "Foto toevoegen", "close": "Chat sluiten",
           "title": "Klantenservice Example Shoppe",
           "delivery": "Hoe lang duurt de bezorging?", "helpful": "Nuttig", "not_helpful": "Niet nuttig"},
    "it": {"launcher": "Chatta con noi", "greeting": "Ciao! Sono l'assistente di Example Shoppe.",
           "team": "Il nostro team al momento non c'è; torna {day} alle 09:00 (ora di Amsterdam). "
                   "Io posso aiutarti subito.", "days": ITALIAN_DAYS,
           "where": "Dov'è il mio ordine?", "hint": "Chiedi di un ordine, consegna, reso…",
           "send": "Invia", "photo": "Allega una foto", "close": "Chiudi la chat", "title": "Assistenza Example Shoppe",
           "delivery": "Quanto tempo richiede la consegna?", "helpful": "Utile", "not_helpful": "Non utile"},
}


@pytest.mark.parametrize("language", ["nl", "it"])
def test_a_dutch_or_italian_storefront_gets_its_own_widget(tabs, screenshots: Path,  # type: ignore[no-untyped-def]
                                                           language: str) -> None:
    from playwright.sync_api import expect

    words = WIDGET_WORDS[language]
    tab = tabs(**PHONE)
    page = tab.page
    catalogues: list[str] = []
    page.on("request", lambda request: catalogues.append(request.url) if "jsi18n" in request.url else None)
    page.goto(f"/{language}/")
    assert [url.split(tab.base, 1)[-1] for url in catalogues] == [f"/{language}/jsi18n/"]

    launcher = page.locator(".chat-launcher")
    expect(launcher).to_contain_text(words["launcher"])
    launcher.click()
    welcome = page.locator("li.chat-welcome")
    expect(welcome).to_contain_text(words["greeting"])
    # Away now: back on a weekday, in the page's language, from Intl ("donderdag om 09:00"), not the server's English.
    expect(welcome.locator(".chat-welcome-team")).to_have_text(words["team"].format(day=words["days"][_back_day()]))
    expect(welcome.get_by_role("button", name=words["where"])).to_be_visible()
    expect(page.locator("#chat-input")).to_have_attribute("placeholder", words["hint"])
    expect(page.get_by_role("button", name=words["send"], exact=True)).to_be_visible()
    expect(page.get_by_role("button", name=words["photo"])).to_be_visible()
    expect(page.get_by_role("button", name=words["close"])).to_be_visible()
    expect(page.locator("#chat-title")).to_have_text(words["title"])
    assert page.locator("#chat").get_attribute("lang") == language
    tab.shot(screenshots, f"widget-{language}-390x844")
    assert _overflow(page) == []

    # A suggested question is sent as the customer's words, in their language.
    welcome.get_by_role("button", name=words["delivery"]).click()
    expect(page.locator("li.chat-customer").last).to_contain_text(words["delivery"])
    rating = page.locator("li.chat-bot[data-route] .chat-rating").last
    expect(rating).to_be_visible(timeout=45_000)
    expect(rating.get_by_role("button", name=words["helpful"], exact=True)).to_be_visible()
    expect(rating.get_by_role("button", name=words["not_helpful"])).to_be_visible()
    tab.shot(screenshots, f"widget-{language}-answered-390x844")
    assert _overflow(page) == []


@pytest.mark.parametrize("language, greeting, send", [
    ("pl", "Dzień dobry! Jestem asystentem Example Shoppe.", "Wyślij"),
    ("pt", "Olá! Sou o assistente da Example Shoppe.", "Enviar"),
])
def test_the_polish_and_portuguese_widgets_fit_on_a_phone(  # type: ignore[no-untyped-def]
        tabs, screenshots: Path, language: str, greeting: str, send: str) -> None:
    from playwright.sync_api import expect

    tab = tabs(**PHONE)
    page = tab.page
    page.goto(f"/{language}/")
    page.locator(".chat-launcher").click()
    expect(page.locator("li.chat-welcome")).to_contain_text(greeting)
    expect(page.get_by_role("button", name=send, exact=True)).to_be_visible()
    assert page.locator("#chat").get_attribute("lang") == language
    tab.shot(screenshots, f"widget-{language}-390x844")
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


@pytest.mark.parametrize("language", ["en", "nl", "de", "fr", "es", "it", "pl", "pt"])
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
