"""The shape of the code: a newcomer can follow a message through the modules without going round in circles.

The import graph (tools/import_graph.py, which says what counts) is read in a separate process:
parsing every module here, beside the threads a test run keeps, once tripped CPython 3.11's
AST recursion check (its counter is shared between threads).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tools.import_graph import cycles

ROOT = Path(__file__).resolve().parent.parent


def _import_graph() -> dict:
    result = subprocess.run([sys.executable, "-m", "tools.import_graph"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, check=True)
    return json.loads(result.stdout)


def test_the_project_modules_import_each_other_without_a_cycle():
    assert _import_graph()["cycles"] == []


def test_the_cycle_finder_finds_a_cycle_hidden_in_a_function():
    # The check itself, on a made-up graph: a -> b -> c -> a is one group; d stands alone.
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_a_message_travels_local_and_llm_paths_through_one_delivery_module():
    graph = _import_graph()["graph"]
    assert "support.services.delivery" in graph["support.services.replies"]
    assert "support.services.delivery" in graph["support.services.escalation"]
    assert "support.services.replies" not in graph["support.services.escalation"]
    assert graph["support.tasks"] == []  # the task bodies import their services


def test_the_router_does_not_depend_on_the_support_app():
    # Its management commands read the staff's labels (support's feedback) on purpose; the rest of the
    # router, its evaluation included, stands on its own: what both share (percentiles) lives in `shoppe`.
    # The on-device assistant (rag.device, #19) is not the router: it ships the support app's help
    # answers to the browser, so it reads their scope (order intents answered from order data) and notes.
    graph = _import_graph()["graph"]
    leaning_on_support = {module: sorted(d for d in imports if d.split(".")[0] == "support")
                          for module, imports in graph.items()
                          if module.split(".")[0] == "rag"
                          and not module.startswith(("rag.management", "rag.device"))}
    assert {module: imports for module, imports in leaning_on_support.items() if imports} == {}
