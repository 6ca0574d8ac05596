"""Every bot text of the support app has a translation in each language the assistant answers in.

The msgids are read from the Python sources with `ast` (no gettext tools needed), so a new
`_("...")` without its seven translations fails here, naming the text and the language.
"""
from __future__ import annotations

import ast
import subprocess
import sys
import time
from functools import lru_cache
from pathlib import Path

import polib
import pytest
from django.conf import settings

SUPPORT = Path(settings.BASE_DIR) / "support"
LANGUAGES = ("nl", "de", "fr", "es", "it", "pl", "pt")
# gettext's names as the sources import them: function -> (index of the context, of the msgid, of the plural)
MARKERS = {
    "_": (None, 0, None), "gettext": (None, 0, None), "gettext_lazy": (None, 0, None),
    "ngettext": (None, 0, 1), "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None), "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2), "npgettext_lazy": (0, 1, 2),
}


def _name(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def _parsed(path: Path) -> ast.Module:
    """The file's syntax tree. CPython 3.11's ast.parse can raise a spurious "AST constructor recursion
    depth mismatch" SystemError while another thread of the process builds syntax trees too (its depth counter
    is shared: python/cpython#106905). Seen in whole-suite runs here, twice in a row once (an earlier test's
    worker thread still running tasks), so it tries again a few times, a moment apart, then in a process of its own."""
    source = path.read_text()
    for _ in range(5):
        try:
            return ast.parse(source, str(path))
        except SystemError:
            time.sleep(0.05)
    dumped = subprocess.run([sys.executable, "-c", "import ast, sys; print(ast.dump(ast.parse(sys.stdin.read()), "
                             "include_attributes=True))"], input=source, capture_output=True, text=True, check=True)
    return eval(dumped.stdout, vars(ast))  # noqa: S307 - ast.dump's own output: node constructors only


@lru_cache(maxsize=1)
def source_msgids() -> frozenset[tuple[str | None, str, str | None]]:
    """(context, msgid, plural) of every marked string in support/ (migrations aside), read once per run."""
    found = set()
    for path in SUPPORT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(_parsed(path)):
            if not isinstance(node, ast.Call) or _name(node.func) not in MARKERS:
                continue
            context, msgid, plural = MARKERS[_name(node.func)]

            def text(index: int | None) -> str | None:
                if index is None:
                    return None
                arg = node.args[index] if index < len(node.args) else None
                assert isinstance(arg, ast.Constant) and isinstance(arg.value, str), (
                    f"{path.relative_to(settings.BASE_DIR)}:{node.lineno}: gettext needs a literal string, not {ast.dump(arg) if arg else None}")
                return arg.value

            found.add((text(context), text(msgid), text(plural)))  # type: ignore[arg-type]
    return frozenset(found)


def test_the_support_app_marks_its_bot_texts() -> None:
    msgids = {m for _, m, _ in source_msgids()}
    # a few that must never fall back to English: the handoff, a status answer, a socket error
    assert any(m.startswith("I'm passing this to our support team") for m in msgids)
    assert "Order %(number)s is %(status)s, with %(carrier)s (tracking number %(tracking)s)." in msgids
    assert "Please type a message." in msgids


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_bot_text_is_translated(language: str) -> None:
    po_path = SUPPORT / "locale" / language / "LC_MESSAGES" / "django.po"
    assert po_path.exists(), f"no catalogue for {language}: {po_path}"
    catalogue = {(e.msgctxt, e.msgid): e for e in polib.pofile(str(po_path)) if not e.obsolete}
    problems = []
    for context, msgid, plural in sorted(source_msgids(), key=lambda m: (m[0] or "", m[1])):
        entry = catalogue.get((context, msgid))
        if entry is None:
            problems.append(f"missing: {msgid!r}")
        elif "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {msgid!r}")
        elif plural is not None and (not entry.msgstr_plural or not all(entry.msgstr_plural.values())):
            problems.append(f"untranslated plural: {msgid!r}")
        elif plural is None and not entry.msgstr:
            problems.append(f"untranslated: {msgid!r}")
    assert not problems, f"{language}: " + "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_their_placeholders(language: str) -> None:
    """A translation that drops or renames %(number)s would fail (KeyError) or lose the order number."""
    import re

    placeholder = re.compile(r"%\((\w+)\)s")
    po = polib.pofile(str(SUPPORT / "locale" / language / "LC_MESSAGES" / "django.po"))
    for entry in po:
        wanted = set(placeholder.findall(entry.msgid)) | set(placeholder.findall(entry.msgid_plural or ""))
        for text in ([entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())):
            assert set(placeholder.findall(text)) == wanted, (language, entry.msgid, text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_assistant_names_the_pay_button_as_the_order_page_labels_it(language: str) -> None:
    """"Pay now" in quotes is a button the customer looks for: the Italian, Polish and Portuguese answers named the
    English one while the page said "Paga ora" (session 30's walkthrough)."""
    from django.utils import translation

    waiting = ("Order %(number)s is waiting for its payment, so we haven't started preparing it yet. With iDEAL and "
               "some bank payments the confirmation can take up to 24 hours. If your payment didn't go through, you "
               "can pay on the order's page (linked below) with \"Pay now\".")
    with translation.override(language):
        button = translation.gettext("Pay now")
        assert button != "Pay now"
        assert button in translation.gettext(waiting)  # in the language's quotes (« Payer maintenant »)
