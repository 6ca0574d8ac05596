"""Which language a customer's page is in: the URL's prefix, else the switcher's cookie, else
the browser's Accept-Language, else English; and the catalogues compile without gettext."""
from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db


def page_language(client: Client, path: str, **headers: str) -> str:
    response = client.get(path, follow=True, **headers)
    assert response.status_code == 200, (path, response.status_code)
    return response["Content-Language"]


def test_a_browser_with_no_preference_gets_english() -> None:
    assert page_language(Client(), "/products/").startswith("en")


def test_the_browser_language_is_followed_on_plain_urls() -> None:
    response = Client().get("/products/?page=2", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5")
    assert (response.status_code, response["Location"]) == (302, "/de/products/?page=2")
    assert page_language(Client(), "/products/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5") == "de"


def test_a_form_posted_to_a_plain_url_is_not_redirected() -> None:
    response = Client().post("/newsletter/", {"email": "x@example.com"}, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code != 302 or "/de/" not in response["Location"]


def test_the_switchers_cookie_beats_the_browser() -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert page_language(client, "/products/", HTTP_ACCEPT_LANGUAGE="de") == "fr"


def test_the_url_prefix_beats_everything() -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert page_language(client, "/nl/products/", HTTP_ACCEPT_LANGUAGE="de") == "nl"


def test_a_language_the_shop_does_not_speak_falls_back_to_english() -> None:
    # Swedish: Italian, the language this asked in before, is one of the storefront's now (below)
    assert page_language(Client(), "/products/", HTTP_ACCEPT_LANGUAGE="sv-SE,sv;q=0.9").startswith("en")


@pytest.mark.parametrize("language", ["it", "pl", "pt"])
def test_italian_polish_and_portuguese_browsers_get_their_own_pages(language: str) -> None:
    response = Client().get("/orders/?page=2", HTTP_ACCEPT_LANGUAGE=f"{language}-{language.upper()},{language};q=0.9")
    assert (response.status_code, response["Location"]) == (302, f"/{language}/orders/?page=2")
    assert page_language(Client(), "/products/", HTTP_ACCEPT_LANGUAGE=language) == language
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    assert page_language(client, "/products/", HTTP_ACCEPT_LANGUAGE="de") == language
    with translation.override(language):
        assert reverse("orders") == f"/{language}/orders/"


def test_links_built_in_a_language_carry_its_prefix_and_english_has_none() -> None:
    with translation.override("de"):
        assert reverse("orders") == "/de/orders/"
    with translation.override("en-gb"):
        assert reverse("orders") == "/orders/"


def test_staff_and_machine_urls_have_no_language() -> None:
    assert Client().get("/nl/console/").status_code == 404
    assert Client().get("/nl/healthz").status_code == 404


def test_a_catalogue_compiles_in_python(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    from shoppe.catalogues import catalogues_compile

    folder = tmp_path / "nl" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "nl"}
    po.append(polib.POEntry(msgid="Hello", msgstr="Hallo"))
    po.save(str(folder / "django.po"))
    settings.LOCALE_PATHS = [tmp_path]
    assert catalogues_compile() == [folder / "django.mo"]
    assert {e.msgid: e.msgstr for e in polib.mofile(str(folder / "django.mo"))} == {"Hello": "Hallo"}
    assert catalogues_compile() == []  # up to date: nothing rewritten
