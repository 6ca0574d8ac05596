"""The student's JavaScript (static/chat/device/) scores as Python does, run by Node's V8 where Chromium is absent.

tests/test_device_browser.py makes the same comparison in Chromium, loading the modules from
the site; this one needs only `node` (not part of the README's set-up: skipped without it), so
a machine without a browser still checks that the two featurisations and the two scorings are
one.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(300)]

SCRIPT = """
import { readFileSync } from "node:fs";
const { Student } = await import(process.argv[2]);
const { messageWords } = await import(process.argv[3]);
const student = new Student(JSON.parse(readFileSync(process.argv[4], "utf8")));
const messages = JSON.parse(readFileSync(0, "utf8"));
console.log(JSON.stringify(messages.map((text) => {
  const [intents, languages] = student.probabilities(text);
  return { words: messageWords(text), intents, languages, decision: student.decide(text) };
})));
"""


def test_node_scores_messages_exactly_as_python_does(local_models, tmp_path: Path) -> None:
    from rag.device.features import message_words
    from rag.device.manifest import device_dir, device_manifest
    from rag.device.student import DeviceStudent
    from tests.test_device_browser import EDGE_CASES, HELP_QUESTIONS, _sample_exemplars

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (tests/test_device_browser.py checks the same in Chromium)")
    model = device_dir() / device_manifest()["model"]["file"]
    student = DeviceStudent.from_json(model.read_text())
    messages = _sample_exemplars(260) + EDGE_CASES + HELP_QUESTIONS
    device = Path(settings.BASE_DIR) / "static" / "chat" / "device"
    script = tmp_path / "score.mjs"
    script.write_text(SCRIPT)
    done = subprocess.run([node, str(script), (device / "student.js").as_uri(), (device / "features.js").as_uri(),
                           str(model)], input=json.dumps(messages), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    answered = 0
    for text, seen in zip(messages, json.loads(done.stdout), strict=True):
        assert seen["words"] == message_words(text), text
        intents, languages = student.probabilities(text)
        assert max(abs(a - b) for a, b in zip(seen["intents"], intents.tolist())) < 1e-4, text
        assert max(abs(a - b) for a, b in zip(seen["languages"], languages.tolist())) < 1e-4, text
        decision = student.decide(text)
        assert (seen["decision"] is None) == (decision is None), text
        if decision is not None:
            answered += 1
            assert (seen["decision"]["intent"], seen["decision"]["language"]) == (decision.intent, decision.language)
    assert len(messages) >= 300 and answered >= 3  # both branches compared


ELSEWHERE_SCRIPT = """
import { readFileSync } from "node:fs";
const { ElsewhereRule } = await import(process.argv[2]);
const rule = new ElsewhereRule(JSON.parse(readFileSync(process.argv[3], "utf8")).elsewhere);
const messages = JSON.parse(readFileSync(0, "utf8"));
console.log(JSON.stringify(messages.map((text) => rule.namesElsewhere(text))));
"""

# Other organisations' names as customers write them (accents or none, capitals or none, joined or not), and
# look-alikes that are not names of other organisations (rag/router/organisations.py).
ORGANISATION_MESSAGES = [
    "mi pedido de El Corte Inglés no llega", "mi pedido de el corte ingles no llega", "EL CORTE INGLÉS",
    "mijn bol.com bestelling is kwijt", "ik bestelde via ubereats", "uber eats bestelling", "Uber-Eats",
    "wachtwoord DigiD vergeten", "Passwort für mein ELSTER-Konto", "Esqueci a senha do Portal das Finanças",
    "mój zwrot z allegro", "Allegro’s zwrot", "Zalandos Rücksendung", "amazonas river", "my amazon parcel",
    "can I pay with PayPal?", "kan ik met iDEAL betalen", "ship with DHL or PostNL?", "Café crème", "",
    "İstanbul ıi İI", "Zażółć gęślą jaźń",
    # a name one or two words before a kind of thing the shop sells is its product's; a company's name elsewhere
    "is the Lumo pendant available in brass", "send back the Lumi floor lamp", "the Havra side tables", "my Netflix account",
]


def test_node_finds_other_organisations_exactly_as_python_does(local_models, tmp_path: Path) -> None:
    # given the deployed device model's rule for other companies and organisations
    from rag.device.manifest import device_dir, device_manifest
    from rag.device.student import DeviceStudent

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    model = device_dir() / device_manifest()["model"]["file"]
    rule = DeviceStudent.from_json(model.read_text()).elsewhere
    assert rule is not None and rule.organisations, "the device's file carries no organisations' names"
    script = tmp_path / "elsewhere.mjs"
    script.write_text(ELSEWHERE_SCRIPT)

    # when the browser's module and Python read the same messages
    elsewhere_js = Path(settings.BASE_DIR) / "static" / "chat" / "device" / "elsewhere.js"
    done = subprocess.run([node, str(script), elsewhere_js.as_uri(), str(model)],
                          input=json.dumps(ORGANISATION_MESSAGES), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr

    # then they agree on every one, and both find the names however they are written
    seen = json.loads(done.stdout)
    assert seen == [rule.names_elsewhere(text) for text in ORGANISATION_MESSAGES]
    found = dict(zip(ORGANISATION_MESSAGES, seen))
    assert all(found[text] for text in ("mi pedido de el corte ingles no llega", "ik bestelde via ubereats",
                                        "mój zwrot z allegro", "my amazon parcel"))
    assert not any(found[text] for text in ("amazonas river", "kan ik met iDEAL betalen", "ship with DHL or PostNL?"))
