"""Ops label misrouted messages, compare a retrain with the live router, then deploy it."""
from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from rag.encoder import encoder_get
from rag.evaluation import rows_read, rows_write
from rag.router.decide import IntentRouter
from rag.router.serving import router_reset
from rag.router.model import RouterModel, artifact_dir
from support.models import Conversation, Message, RouteLabel
from tests.support.test_human_tier import staff
from tests.conftest import slow

HOLDOUT = Path(__file__).resolve().parents[1] / "data" / "router_holdout.csv"
pytestmark = pytest.mark.django_db

# Made-up phrasings the exemplars do not cover: the shipped router sends them off-topic.
# ("i typed my street wrong" was one until the multilingual model learned character n-grams in
# session 10 and routed it right: replaced by another the router still misses, as the premise asks.)
MISROUTED = {
    "the postie never came": "track_order",
    "I misspelled the town": "change_shipping_address",
    "I forgot the secret word": "recover_password",
}


def customer_message(text: str, router: IntentRouter | None = None) -> Message:
    conversation = Conversation.objects.create()
    decision = router.decide(text) if router else None
    return Message.objects.create(conversation=conversation, author=Message.Author.CUSTOMER, text=text,
                                  status=Message.Status.ANSWERED, route=decision.route if decision else "local",
                                  intent=decision.intent if decision else "")


def fingerprint(folder: Path) -> dict[str, tuple[float, str]]:
    return {name: ((folder / name).stat().st_mtime, hashlib.sha256((folder / name).read_bytes()).hexdigest())
            for name in ("router.json", "router.npz")}


@pytest.fixture
def ops(db) -> User:  # type: ignore[no-untyped-def]
    return staff("olivia", "Ops", "Olivia")


@pytest.fixture
def labelled(local_models, ops):  # type: ignore[no-untyped-def]
    """Ops labels on customer messages the live router gets wrong."""
    messages = []
    for text, intent in MISROUTED.items():
        message = customer_message(text, local_models)
        # the premise: the live router gets these wrong
        assert message.intent != intent, f"the live router already routes {text!r} right"
        RouteLabel.objects.create(message=message, intent=intent, route="local", labelled_by=ops)
        messages.append(message)
    return messages


# --- the label view -----------------------------------------------------------------------------

def label_url(message: Message) -> str:
    return reverse("ops_label", args=[message.id])


@pytest.mark.parametrize("who", ["anonymous", "customer", "agent"])
def test_only_ops_can_label(client, make_customer, who):  # type: ignore[no-untyped-def]
    message = customer_message("the postie never came")
    if who == "customer":
        client.force_login(make_customer("alice"))
    elif who == "agent":
        client.force_login(staff("sam", "Support agent", "Sam"))
    response = client.post(label_url(message), {"intent": "track_order"})
    if who == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    else:
        assert response.status_code == 403
    assert not RouteLabel.objects.exists()


@pytest.mark.parametrize("role", ["Ops", "Supervisor"])
def test_ops_label_a_customer_message_and_return_to_the_trace(client, role):  # type: ignore[no-untyped-def]
    user = staff("olivia", role, "Olivia")
    message = customer_message("the postie never came")
    client.force_login(user)
    response = client.post(label_url(message), {"intent": "track_order"})
    assert response.status_code == 302
    assert response["Location"] == reverse("ops_trace", args=[message.conversation_id])
    label = RouteLabel.objects.get(message=message)
    # the route defaults to the policy's route for the intent
    assert (label.intent, label.route, label.labelled_by) == ("track_order", "local", user)

    # labelling again updates the label; an explicit route and a safe `next` are kept
    response = client.post(label_url(message), {"intent": "complaint", "route": "llm", "next": "/ops/escalations/"})
    assert response.status_code == 302 and response["Location"] == "/ops/escalations/"
    label = RouteLabel.objects.get(message=message)
    assert (label.intent, label.route) == ("complaint", "llm") and RouteLabel.objects.count() == 1


def test_label_input_is_validated(client, ops):  # type: ignore[no-untyped-def]
    message = customer_message("the postie never came")
    client.force_login(ops)
    assert client.get(label_url(message)).status_code == 405
    assert client.post(label_url(message), {"intent": "summon_dragon"}).status_code == 400
    assert client.post(label_url(message), {}).status_code == 400
    assert client.post(label_url(message), {"intent": "track_order", "route": "moon"}).status_code == 400
    reply = Message.objects.create(conversation=message.conversation, author=Message.Author.BOT, text="Here.",
                                   status=Message.Status.COMPLETE, in_reply_to=message)
    assert client.post(label_url(reply), {"intent": "track_order"}).status_code == 400
    assert client.post(reverse("ops_label", args=[999_999]), {"intent": "track_order"}).status_code == 404
    assert not RouteLabel.objects.exists()
    # an off-site `next` is ignored
    for evil in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = client.post(label_url(message), {"intent": "track_order", "next": evil})
        assert response["Location"] == reverse("ops_trace", args=[message.conversation_id])


def test_labelling_needs_the_csrf_token(ops):  # type: ignore[no-untyped-def]
    message = customer_message("the postie never came")
    client = Client(enforce_csrf_checks=True)
    client.force_login(ops)
    assert client.post(label_url(message), {"intent": "track_order"}).status_code == 403
    assert not RouteLabel.objects.exists()


# --- compare, then retrain ----------------------------------------------------------------------

@slow
def test_compare_prints_before_and_after_without_touching_the_live_router(labelled, tmp_path):  # type: ignore
    csv_path = tmp_path / "check.csv"
    rows = [{k: r[k] for k in ("text", "intent", "expected_route")} for r in rows_read(HOLDOUT)[::15]]
    rows += [{"text": text, "intent": intent, "expected_route": "local"} for text, intent in MISROUTED.items()]
    rows_write(csv_path, rows)
    live = fingerprint(artifact_dir())

    out = io.StringIO()
    call_command("evaluate_router", str(csv_path), "--compare", "--out", str(tmp_path / "rows.csv"), stdout=out)
    report = out.getvalue()
    print(report)

    assert "3 ops labels" in report
    assert re.search(r"figure\s+before\s+after\s+change", report)
    accuracy = re.search(r"route accuracy\s+([\d.]+)\s+([\d.]+)\s+([+-][\d.]+)", report)
    assert accuracy, report
    before, after = float(accuracy[1]), float(accuracy[2])
    assert after > before  # the candidate now routes the labelled messages right
    assert re.search(r"refund-to-human recall\s+[\d.]+\s+[\d.]+", report)
    assert "routed differently:" in report and "the postie never came" in report
    rows = {row["text"]: row for row in rows_read(tmp_path / "rows.csv")}
    # the live router gets it wrong (declined as off-topic when this was written, handed to a person since the
    # router of session 13), the candidate right
    postie = rows["the postie never came"]
    assert (postie["route"], postie["intent_predicted"]) != ("local", "track_order")
    assert (postie["route_candidate"], postie["intent_candidate"]) == ("local", "track_order")
    # the live artifact is untouched
    assert fingerprint(artifact_dir()) == live


def test_train_router_learns_the_labels_and_deploys(labelled, settings, tmp_path):  # type: ignore[no-untyped-def]
    real_folder = artifact_dir()
    real_live = fingerprint(real_folder)
    if (settings.DATA_DIR / "embeddings").exists():  # what the live training embedded, as a real retrain finds it
        shutil.copytree(settings.DATA_DIR / "embeddings", tmp_path / "embeddings")
    settings.DATA_DIR = tmp_path  # deploy into a scratch data dir: the session's router stays as it is
    try:
        out = io.StringIO()
        # (the device assistant, which train_router builds next from these routers, has its own tests: tests/rag/test_device_*)
        call_command("train_router", no_device=True, stdout=out)
        assert "and 3 ops labels" in out.getvalue() and "deployed to" in out.getvalue()
        model = RouterModel.load(tmp_path / "router")
        # the other languages' router learns from the same labels (rag/router/multilingual_model.py)
        assert json.loads((tmp_path / "router-multilingual" / "router.json").read_text())["meta"]["extra_labels"] == 3
    finally:
        router_reset()  # the process's router reloads the real artifact on next use
    assert model.meta["extra_labels"] == 3
    retrained = IntentRouter(model, encoder_get())
    for message in labelled:
        decision = retrained.decide(message.text)
        assert (decision.route, decision.intent) == ("local", message.label.intent), decision.reason
    # exemplar behaviour is kept: refunds still go to a person
    assert retrained.decide("I want a refund for order 10023").route == "human"
    assert fingerprint(real_folder) == real_live

