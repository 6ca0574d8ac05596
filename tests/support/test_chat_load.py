"""The load tool (`make load`): bounded, loopback only, and honest about what it measured."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from support.chat_load import LoadPlan, LoadReport, Question
from tests.browser import BASE_DIR, _server_env
from tests.production_stack import prepare_site
from tests.conftest import slow


@pytest.mark.parametrize("change, complaint", [
    ({"urls": ["ws://shop.example.com/ws/chat/"]}, "loopback"),
    ({"urls": ["http://127.0.0.1:8000/ws/chat/"]}, "loopback"),
    ({"connections": 100_000}, "connections"),
    ({"rate": 0}, "rate"),
    ({"duration_s": 3600}, "duration"),
])
def test_the_load_tool_refuses_other_hosts_and_unbounded_runs(change, complaint):
    plan = LoadPlan(urls=["ws://127.0.0.1:8000/ws/chat/"], connections=10, rate=5, duration_s=5)
    for name, value in change.items():
        setattr(plan, name, value)
    with pytest.raises(ValueError, match=complaint):
        plan.check()


def test_a_run_misses_its_targets_on_loss_errors_or_slow_replies():
    plan = LoadPlan(urls=["ws://127.0.0.1:8000/ws/chat/"], connections=2, rate=1, duration_s=2)
    report = LoadReport(plan=plan, questions=[
        Question(client_id="a", connection=0, sent_at=0.0, ended_at=0.05),
        Question(client_id="b", connection=1, sent_at=1.0, ended_at=1.4),
    ])
    assert report.failures(p95_target_ms=500) == []
    assert report.failures(p95_target_ms=150) == ["p95 400.0 ms is over 150 ms"]
    report.database = {"lost": 1, "answered_twice": 2}
    assert "database: 1 lost" in report.failures(p95_target_ms=500)
    assert "database: 2 answered twice" in report.failures(p95_target_ms=500)


def _conversations(env: dict[str, str]) -> int:
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "from support.models import Conversation; print(Conversation.objects.count())"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60,
    )
    return int(done.stdout.strip().splitlines()[-1])


@slow
def test_a_short_load_run_against_a_real_server_checks_every_message_in_the_database(tmp_path, run_artifacts):
    # given a prepared site in its own data dir
    env = _server_env(tmp_path)
    prepare_site(tmp_path, env, demo=True)
    conversations_before = _conversations(env)
    report_path = tmp_path / "load.json"
    # when the load tool starts a daphne there and loads it
    done = subprocess.run(
        [sys.executable, "manage.py", "chat_load", "--serve", "1", "--connections", "20", "--idle", "10",
         "--rate", "10", "--duration", "3", "--json", str(report_path)],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=240,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    # then every message was saved and answered once, and the run's figures are reported
    report = json.loads(report_path.read_text())
    assert report["sent"] == 30 and report["answered"] == 30 and report["routes"] == {"local": 30}
    assert report["database"] == {"sent": 30, "saved": 30, "lost": 0, "duplicated": 0, "not_answered": 0,
                                  "answered_twice": 0}
    assert report["idle_alive_at_end"] == 10 and report["errors"] == {}
    assert 0 < report["p50_ms"] <= report["p95_ms"] <= report["p99_ms"]
    assert report["server"]["peak_rss_mb"] > 100
    # and the run's conversations are removed, so they don't count in the shop's figures
    assert _conversations(env) == conversations_before
