"""`tools/router_decisions.py`: the router's decisions on a file of messages, written so that two versions of
the code can be compared row by row (#17: a restructure changes no decision).

The proof rests on two things checked here: the tool writes what the process's own router decides, and
the same messages with the same artifact give the same file every time (so a difference between two
checkouts is theirs, not the tool's).
"""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = Path(__file__).with_name("router_messages.txt")  # written for this check, in the shop's eight languages


def decisions(out: Path) -> list[dict[str, str]]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shoppe.settings", "PYTHONPATH": str(ROOT),
           "SHOPPE_DATA_DIR": str(settings.DATA_DIR), "SHOPPE_MODEL_DIR": str(settings.MODEL_DIR)}
    done = subprocess.run([sys.executable, "tools/router_decisions.py", str(MESSAGES), str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    with open(out, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_tool_writes_the_routers_own_decisions_the_same_every_run(local_models, tmp_path):
    # given the messages and the artifact the test run's router uses
    messages = [line for line in MESSAGES.read_text(encoding="utf-8").splitlines() if line.strip()]
    # when the tool routes them twice, each time in a process of its own
    first, second = decisions(tmp_path / "first.csv"), decisions(tmp_path / "second.csv")
    # then both files are the same, byte for byte
    assert (tmp_path / "first.csv").read_bytes() == (tmp_path / "second.csv").read_bytes()
    # and each row is what this process's router decides for that message
    assert [row["text"] for row in first] == messages
    for row in first:
        decision = local_models.decide(row["text"])
        assert (row["route"], row["intent"], row["language"], row["reason"]) == (
            decision.route, decision.intent, decision.language, decision.reason), row["text"]
        assert float(row["confidence"]) == float(decision.confidence), row["text"]
        assert json.loads(row["scores"]).keys() == decision.scores.keys(), row["text"]
    assert {row["route"] for row in first} == {"local", "human", "llm", "off_topic"}  # the file reaches every route
