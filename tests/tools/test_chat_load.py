"""The load tool (`make load`): bounded, loopback only, honest about what it measured, and it deletes
only the conversations it can prove are its own."""
from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from support.models import Conversation, Message
from tools.load import LoadPlan, LoadReport, Question, load_conversations_remove
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
    assert report.failures(p95_target_ms=150) == ["p95 382.5 ms is over 150 ms"]  # interpolated, as on the dashboard
    report.database = {"lost": 1, "answered_twice": 2}
    assert "database: 1 lost" in report.failures(p95_target_ms=500)
    assert "database: 2 answered twice" in report.failures(p95_target_ms=500)


def test_the_run_reports_percentiles_as_the_ops_dashboard_computes_them():
    plan = LoadPlan(urls=["ws://127.0.0.1:8000/ws/chat/"], connections=4, rate=1, duration_s=4)
    report = LoadReport(plan=plan, questions=[
        Question(client_id=str(n), connection=n, sent_at=0.0, ended_at=ms / 1000) for n, ms in enumerate([10, 20, 30, 100])
    ])
    summary = report.summary()
    # PERCENTILE_CONT: p50 halfway between 20 and 30, p95 at 2.85 of the 3 steps (30 + 0.85 × 70)
    assert (summary["p50_ms"], summary["p95_ms"], summary["p99_ms"]) == (25.0, 89.5, 97.9)


def _run_report(*conversations: Conversation, sent: list[uuid.UUID], started_at) -> LoadReport:  # type: ignore[no-untyped-def]
    plan = LoadPlan(urls=["ws://127.0.0.1:8000/ws/chat/"], connections=1, rate=1, duration_s=1)
    return LoadReport(plan=plan, started_at=started_at, conversation_ids={str(c.id) for c in conversations},
                      questions=[Question(client_id=str(client_id), connection=0, sent_at=0.0) for client_id in sent])


def _asked_and_answered(conversation: Conversation, client_id: uuid.UUID) -> None:
    question = Message.objects.create(conversation=conversation, author=Message.Author.CUSTOMER, text="hello",
                                      status=Message.Status.ANSWERED, client_id=client_id)
    Message.objects.create(conversation=conversation, author=Message.Author.BOT, text="hi",
                           status=Message.Status.COMPLETE, in_reply_to=question)


@pytest.mark.django_db
def test_the_load_tool_removes_its_own_conversations_and_refuses_everyone_elses(make_customer):
    # given a run that started a minute ago and sent two messages
    started_at = timezone.now() - timedelta(minutes=1)
    ours, also_ours = uuid.uuid4(), uuid.uuid4()
    own = Conversation.objects.create()
    _asked_and_answered(own, ours)
    own_idle = Conversation.objects.create()  # an idle socket's conversation: no messages
    # and conversations whose ids the run was given but that are not its own:
    signed_in = Conversation.objects.create(customer=make_customer())  # a customer's
    _asked_and_answered(signed_in, also_ours)
    shared = Conversation.objects.create()  # someone else wrote in it too
    _asked_and_answered(shared, uuid.uuid4())
    older = Conversation.objects.create(created_at=started_at - timedelta(days=1))  # from before the run
    with_staff = Conversation.objects.create()  # staff wrote in it
    Message.objects.create(conversation=with_staff, author=Message.Author.AGENT, text="Can I help?",
                           status=Message.Status.COMPLETE)
    others = [signed_in, shared, older, with_staff]
    report = _run_report(own, own_idle, *others, sent=[ours, also_ours], started_at=started_at)
    # when the run removes its conversations
    removed = load_conversations_remove(report=report)
    # then only its own are gone; the others are kept, and the run says so
    assert removed == 2
    assert not Conversation.objects.filter(id__in=[own.id, own_idle.id]).exists()
    assert set(Conversation.objects.filter(id__in=[c.id for c in others]).values_list("id", flat=True)) == {
        c.id for c in others}
    assert sorted(report.conversations_kept) == sorted(str(c.id) for c in others)
    assert "database: 4 conversations not the run's own, kept" in report.failures(p95_target_ms=500)


@pytest.mark.django_db
def test_the_load_tool_deletes_nothing_for_a_report_that_is_not_a_run():
    # given a report with no start time (not from a run), naming a conversation
    conversation = Conversation.objects.create()
    report = _run_report(conversation, sent=[], started_at=None)
    # when it is asked to remove its conversations, it refuses
    assert load_conversations_remove(report=report) == 0
    assert Conversation.objects.filter(id=conversation.id).exists()
    assert report.conversations_kept == [str(conversation.id)]


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
        [sys.executable, "-m", "tools.chat_load", "--serve", "1", "--connections", "20", "--idle", "10",
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
    assert report["conversations_removed"] >= 30 and report["conversations_kept"] == 0
    assert _conversations(env) == conversations_before
