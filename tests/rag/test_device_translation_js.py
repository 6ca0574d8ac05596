"""Help answers translated by the browser's built-in Translator, where present (issue #19): the decisions of
static/chat/device/translation.js, run by Node with stand-ins for the browser's API (neither Node nor Debian's
Chromium has one; tests/test_device_widget_browser.py covers the fallback in Chromium). The server's side, a
translated answer kept as its own English passage, is in tests/support/test_device_answers.py."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

HARNESS = Path(settings.BASE_DIR) / "tests" / "js" / "translation_decide.mjs"
TEXT = "Delivery takes 2-4 working days."


def decide(*cases: dict) -> list[dict]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    done = subprocess.run([node, str(HARNESS)], input=json.dumps(list(cases)), capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_an_available_language_is_translated_from_english_and_asked_for_once() -> None:
    [result] = decide({"availability": "available", "languages": ["it", "pt"]})
    assert result["ready"] == {"it": True, "pt": True}
    assert result["translated"] == {"it": f"[en->it] {TEXT}", "pt": f"[en->pt] {TEXT}"}
    assert result["asked"] == {"availability": ["it", "pt"], "create": ["it", "pt"]}


@pytest.mark.parametrize("availability", ["downloadable", "downloading", "unavailable", None])
def test_without_a_ready_translator_the_server_answers_and_nothing_is_downloaded(availability) -> None:
    [result] = decide({"availability": availability, "languages": ["pl"]})
    assert result["ready"] == {"pl": False} and result["translated"] == {"pl": "error"}
    assert result["asked"]["create"] == []  # "downloadable" would fetch a model on the customer's connection


def test_help_centre_languages_are_never_translated() -> None:
    [result] = decide({"availability": "available", "languages": ["en", "nl", "de"]})
    assert not any(result["ready"].values()) and result["asked"] == {"availability": [], "create": []}


def test_a_translator_that_fails_leaves_the_answer_to_the_server() -> None:
    created_badly, translating_badly = decide({"availability": "available", "create_fails": True, "languages": ["it"]},
                                              {"availability": "available", "translate_fails": True, "languages": ["it"]})
    assert created_badly["ready"] == {"it": False} and created_badly["translated"] == {"it": "error"}
    assert translating_badly["ready"] == {"it": True} and translating_badly["translated"] == {"it": "error"}
