"""Every string of the chat widget (static/chat/*.js and the static/shared/*.js it imports) and of
the customer's chat pages has a translation in each shop language: Dutch, German, French, Spanish, Italian,
Polish and Portuguese.

The msgids are extracted the way Django does (makemessages, i.e. xgettext) from a temporary copy
of the sources, so a string added to the widget or a template without a translation fails here.
The catalogues themselves build without gettext (compile_catalogues); only this check needs it.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

LANGUAGES = ("nl", "de", "fr", "es", "it", "pl", "pt")
ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "locale"
# The widget's modules and the ones it shares with the staff console (which pass their words in).
WIDGET_SCRIPTS = sorted((ROOT / "static" / "chat").glob("*.js")) + sorted((ROOT / "static" / "shared").glob("*.js"))
# The customer's chat templates (staff pages, console and ops, stay English).
CHAT_TEMPLATES = [ROOT / "templates" / "support" / name for name in (
    "chat_widget.html", "conversation_list.html", "conversation_detail.html", "conversation_status.html",
    "transcript_who.html", "chat_return_expired.html", "chat_return_signed_in.html")]

needs_xgettext = pytest.mark.skipif(
    shutil.which("xgettext") is None,
    reason="xgettext (GNU gettext) is not installed: the msgids cannot be extracted from the sources here; "
           "the catalogues still compile without it (manage.py compile_catalogues)")


def extracted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, domain: str, sources: list[Path]) -> polib.POFile:
    """The .pot makemessages writes for `sources`, copied alone into tmp_path (never the real locale/)."""
    for source in sources:
        copy = tmp_path / source.relative_to(ROOT)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, copy)
    (tmp_path / "locale").mkdir()
    monkeypatch.chdir(tmp_path)
    extensions = ["js"] if domain == "djangojs" else ["html", "txt"]
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command("makemessages", domain=domain, locale=["nl"], extensions=extensions, keep_pot=True,
                     no_location=True, verbosity=0)
    return polib.pofile(str(tmp_path / "locale" / f"{domain}.pot"))


def missing(pot: polib.POFile, language: str, domain: str) -> list[str]:
    path = LOCALE / language / "LC_MESSAGES" / f"{domain}.po"
    if not path.exists():
        return [f"{path.relative_to(ROOT)} does not exist"]
    catalogue = {(e.msgctxt, e.msgid): e for e in polib.pofile(str(path))}
    problems = []
    for wanted in pot:
        entry = catalogue.get((wanted.msgctxt, wanted.msgid))
        label = f"{wanted.msgid!r}" + (f" (context {wanted.msgctxt!r})" if wanted.msgctxt else "")
        if entry is None:
            problems.append(f"{label}: no entry")
        elif entry.obsolete or "fuzzy" in entry.flags:
            problems.append(f"{label}: fuzzy or obsolete")
        elif wanted.msgid_plural and (entry.msgid_plural != wanted.msgid_plural
                                      or not all(entry.msgstr_plural.get(i) for i in (0, 1))):
            problems.append(f"{label}: plural forms missing")
        elif not wanted.msgid_plural and not entry.msgstr.strip():
            problems.append(f"{label}: empty")
    return problems


@needs_xgettext
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_widget_string_is_translated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, language: str) -> None:
    pot = extracted(tmp_path, monkeypatch, "djangojs", WIDGET_SCRIPTS)
    assert len(pot) > 50, "the widget's strings were not found: are they still wrapped in gettext()?"
    assert missing(pot, language, "djangojs") == []


@needs_xgettext
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_chat_page_string_is_translated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, language: str) -> None:
    pot = extracted(tmp_path, monkeypatch, "django", CHAT_TEMPLATES)
    assert len(pot) > 30, "the chat templates' strings were not found: are they still in {% translate %}?"
    assert missing(pot, language, "django") == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_placeholders_of_each_translation_match(language: str) -> None:
    """'%(name)s' in English is '%(name)s' in the translation: interpolate() would print a hole otherwise."""
    import re
    holes = re.compile(r"%\(\w+\)s|\{\{ ?\w+ ?\}\}")
    wrong = []
    for domain in ("djangojs", "django"):
        path = LOCALE / language / "LC_MESSAGES" / f"{domain}.po"
        assert path.exists(), f"{path.relative_to(ROOT)} does not exist"
        for entry in polib.pofile(str(path)):
            translations = [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())
            for text in filter(None, translations):
                if sorted(holes.findall(text)) != sorted(holes.findall(entry.msgid_plural or entry.msgid)):
                    wrong.append((entry.msgid, text))
    assert wrong == []


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["", "/nl", "/de", "/fr", "/es", "/it", "/pl", "/pt"])
def test_the_widget_loads_the_catalogue_of_the_pages_language(client, prefix: str) -> None:  # type: ignore[no-untyped-def]
    """A same-origin script tag (the CSP allows no inline script), language-aware: "/nl/jsi18n/" on a Dutch page."""
    page = client.get(f"{prefix}/products/")
    assert page.status_code == 200
    assert f'<script src="{prefix}/jsi18n/" defer></script>' in page.content.decode()


@pytest.mark.django_db
def test_the_catalogue_is_the_widgets_strings_in_that_language(client) -> None:  # type: ignore[no-untyped-def]
    from shoppe.catalogues import catalogues_compile

    catalogues_compile()
    dutch = client.get("/nl/jsi18n/")
    assert dutch.status_code == 200 and "javascript" in dutch["Content-Type"]
    assert "Hoi! Ik ben de assistent van Example Shoppe." in dutch.content.decode()
    english = client.get("/jsi18n/")
    assert english.status_code == 200 and "Hoi!" not in english.content.decode()
    # Only the project's catalogue, not the admin's calendar strings: the widget needs none of them.
    assert "Kies een tijd" not in dutch.content.decode()


@pytest.mark.django_db
def test_an_italian_page_has_the_widget_in_italian(client) -> None:  # type: ignore[no-untyped-def]
    """The widget's own labels on an Italian page: the template's (the launcher, Send, the title) and the
    JavaScript catalogue's (the greeting, the status line, the rating prompts), not English buttons."""
    from shoppe.catalogues import catalogues_compile

    catalogues_compile()
    page = client.get("/it/products/").content.decode()
    widget = page[page.index('<div id="chat"'):]
    assert '<div id="chat" class="chat" lang="it"' in widget and '<script src="/it/jsi18n/" defer></script>' in page
    for label in ("Chatta con noi", "Assistenza Example Shoppe", "Chiudi la chat", "Allega una foto", ">Invia<",
                  "Chiedi di un ordine, consegna, reso…"):
        assert label in widget, label
    assert "Chat with us" not in widget and ">Send<" not in widget
    catalogue = client.get("/it/jsi18n/").content.decode()
    for text in ("Ciao! Sono l'assistente di Example Shoppe.", "Connessione…", "Valuta questa risposta", "Non utile"):
        assert json.dumps(text)[1:-1] in catalogue, text


@pytest.mark.django_db
def test_the_polish_widget_counts_in_three_plural_forms(client) -> None:  # type: ignore[no-untyped-def]
    from shoppe.catalogues import catalogues_compile

    catalogues_compile()
    catalogue = client.get("/pl/jsi18n/").content.decode()
    assert "(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)" in catalogue
    for form in ("Pozostał %(count)s znak", "Pozostały %(count)s znaki", "Pozostało %(count)s znaków"):
        assert json.dumps(form)[1:-1] in catalogue, form
