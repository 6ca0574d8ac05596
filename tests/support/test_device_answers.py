"""Help answers chosen on the customer's device (issue #19), over the real chat socket.

The device sends the message with the passage id and model version it answered with (the
device assistant `train_router` builds, rag/device/, built for the run by `local_models`); the
server checks them, renders the reply from its own help centre and saves it, marked as answered
on the device. Anything it cannot take (a stale version, a passage that is not the intent's, an
order or refund question, free text in the frame) is routed and answered by the server as usual.
"""
from __future__ import annotations

import uuid

import pytest
from channels.db import database_sync_to_async
from django.utils.text import slugify

from rag.answerability import answer_check_get
from rag.documents import document_get, document_passages
from support.models import Conversation, DeviceStatus, Handoff, Message
from support.services.answers import ENGLISH_ONLY_NOTES, INTENT_DOCUMENTS
from support.services.device_answers import ANSWERED_ON_DEVICE, server_device_version
from tests.conftest import chat_socket
from tests.support.test_chat_socket import anonymous_cookie, connected, until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("local_models")]


# Routine help a device may answer: (intent, page, heading, question, the question in Italian). Which intents the
# served device model answers depends on its build: it leaves intents too alike for it to tell apart to the server
# ("twins"), and the build differs with the CPU (MiniLM's int8 kernels differ between AVX2 and AVX-512 machines,
# and with them the router's labels the model learns from). So a test takes the first the served model answers.
DEVICE_HELP = [
    ("delivery_period", "shipping-and-delivery", "How long does delivery take", "how long does delivery take?",
     "quanto tempo ci vuole per la consegna?"),
    ("return_item", "returns-and-exchanges", "How do I return", "how do I return something?",
     "come faccio a restituire un articolo?"),
    ("recover_password", "account-and-password", "I forgot my password", "I forgot my password, how do I reset it?",
     "ho dimenticato la password, come la reimposto?"),
]


def device_help() -> tuple[str, str, str, str, str]:
    """The first of DEVICE_HELP the served device model answers."""
    from rag.device.manifest import device_scope_current

    scope = device_scope_current()
    answered = [help for help in DEVICE_HELP if help[0] in scope]
    assert answered, f"the device model answers none of {[h[0] for h in DEVICE_HELP]}: it answers {scope}"
    return answered[0]


def help_passage(slug: str, heading_starts: str, language: str = "en"):  # type: ignore[no-untyped-def]
    """A passage of the help centre and its id as the device names it: slug + slugify(heading)."""
    document = document_get(slug=slug, language=language)
    passage = next(p for p in document_passages(document) if p.heading.startswith(heading_starts))
    return passage, f"{slug}#{slugify(passage.heading)}"


def device_frame(passage_id: str, *, intent: str, language: str = "en", version: str | None = None,
                 **extra: object) -> dict:
    return {"version": server_device_version() if version is None else version, "passage_id": passage_id,
            "language": language, "intent": intent, "confidence": 0.97, "decision_ms": 3.5, **extra}


async def send_answered(socket, text: str, device: object, client_id: str | None = None) -> str:  # type: ignore[no-untyped-def]
    client_id = client_id or str(uuid.uuid4())
    await socket.send_json_to({"type": "customer.message", "text": text, "client_id": client_id, "device": device})
    return client_id


async def in_thread(function, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Help pages are read with the staff's articles from the database: not on the event loop."""
    return await database_sync_to_async(function)(*args, **kwargs)


async def message_of(message_id: int) -> Message:
    return await database_sync_to_async(Message.objects.get)(id=message_id)


async def reply_to(message_id: int) -> Message:
    return await database_sync_to_async(Message.objects.get)(in_reply_to_id=message_id, author="bot")


async def test_the_hello_tells_the_widget_which_device_version_the_server_takes():
    socket, history = await connected(await anonymous_cookie())
    assert history["device"]["version"] and history["device"]["version"] == server_device_version()
    await socket.disconnect()


async def test_a_help_question_answered_on_the_device_is_saved_from_the_servers_own_passage():
    socket, _ = await connected(await anonymous_cookie())
    intent, page, heading, question, _ = await in_thread(device_help)
    passage, passage_id = await in_thread(help_passage, page, heading)
    # given the device answered a help question with that passage
    client_id = await send_answered(socket, question, device_frame(passage_id, intent=intent))
    saved, _ = await until(socket, "message.saved")
    # when the server takes it
    answered, events = await until(socket, "device.answer.saved")
    # then it acknowledges with the saved reply and sends no second answer
    assert [e["type"] for e in events] == ["device.answer.saved"]
    assert answered["client_id"] == client_id and answered["message_id"] == saved["message_id"]
    assert answered["text"] == passage.text and answered["sources"] == [passage.as_source()]
    assert await socket.receive_nothing(timeout=0.5)
    # and the record says it was decided on the device, with the device's latency, not by the server's router
    message, reply = await message_of(saved["message_id"]), await reply_to(saved["message_id"])
    assert message.status == "answered" and message.answered_on_device and message.route == "local"
    assert message.reason == ANSWERED_ON_DEVICE and message.route_latency_ms == 3.5
    assert message.intent == intent and message.device_version == server_device_version()
    assert message.scores == {"passage_id": passage_id}  # no router scores: the server's router never ran
    assert message.text == question
    assert reply.id == answered["reply_id"] and reply.answered_on_device and reply.text == passage.text
    assert reply.sources[0]["url"].startswith(f"/help/{page}/#")
    await socket.disconnect()


async def test_a_dutch_help_question_is_answered_from_the_dutch_page():
    socket, _ = await connected(await anonymous_cookie())
    passage, passage_id = await in_thread(help_passage, "shipping-and-delivery", "", language="nl")
    await send_answered(socket, "welke bezorgopties hebben jullie?",
                        device_frame(passage_id, intent="delivery_options", language="nl"))
    answered, _ = await until(socket, "device.answer.saved")
    assert answered["text"] == passage.text and answered["sources"][0]["url"].startswith("/nl/help/shipping-and-delivery/")
    await socket.disconnect()


async def test_an_italian_question_the_browser_translated_is_kept_as_the_servers_own_english_passage():
    """Italian has no help pages: the device answers it only translated by the browser's built-in Translator
    (static/chat/device/translation.js). The record is the server's English passage opened with the Italian
    line that says so, as the server itself answers; what the browser wrote is never sent."""
    socket, _ = await connected(await anonymous_cookie())
    intent, page, heading, _, italian = await in_thread(device_help)
    passage, passage_id = await in_thread(help_passage, page, heading)
    await send_answered(socket, italian, device_frame(passage_id, intent=intent, language="it", translated=True))
    answered, _ = await until(socket, "device.answer.saved")
    message, reply = await message_of(answered["message_id"]), await reply_to(answered["message_id"])
    assert answered["text"] == reply.text == f"{ENGLISH_ONLY_NOTES['it']}\n\n{passage.text}"
    assert reply.answered_on_device and reply.language == "it"
    assert message.reason == f"{ANSWERED_ON_DEVICE} (translated by the browser)"
    assert message.scores == {"passage_id": passage_id, "translated_on_device": 1.0}
    await socket.disconnect()


async def test_a_tampered_client_cannot_put_words_in_the_shops_mouth():
    socket, _ = await connected(await anonymous_cookie())
    passage, passage_id = await in_thread(help_passage, "returns-and-exchanges", "How do I return")
    # given a frame carrying free text of its own besides a real passage id
    frame = device_frame(passage_id, intent="return_item", text="Returns are free forever, keep the item too!",
                         passage={"text": "Free money", "title": "Hacked", "url": "https://evil.example/"})
    await send_answered(socket, "how do I return something?", frame)
    answered, _ = await until(socket, "device.answer.saved")
    reply = await reply_to(answered["message_id"])
    # then only the shop's words are saved and sent
    for text in (answered["text"], reply.text):
        assert text == passage.text and "forever" not in text and "Free money" not in text
    assert "evil" not in str(answered["sources"]) and "evil" not in str(reply.sources)
    await socket.disconnect()


@pytest.mark.parametrize("text, frame, reason", [
    # another intent's passage: refunds are decided by people, the device never answers them
    ("I want my money back for order 1234", lambda: device_frame(
        help_passage("refund-policy", "How do I request")[1], intent="get_refund"), "out_of_scope"),
    # order data is never on the device
    ("where is my order 1234?", lambda: device_frame(
        help_passage("order-tracking", "")[1], intent="track_order"), "out_of_scope"),
    # a real passage, but not one that answers the claimed intent
    ("how long does delivery take?", lambda: device_frame(
        help_passage("warranty", "")[1], intent=device_help()[0]), "out_of_scope"),
    ("how long does delivery take?", lambda: device_frame(
        f"{device_help()[1]}#we-pay-you-double", intent=device_help()[0]), "unknown_passage"),
    ("how long does delivery take?", lambda: device_frame(
        help_passage("shipping-and-delivery", "How long does delivery take")[1], intent="delivery_period",
        version="0ld"), "stale"),
    ("how long does delivery take?", lambda: device_frame(
        help_passage("shipping-and-delivery", "How long does delivery take")[1], intent="delivery_period",
        language="it"), "language"),
    # a browser translation only for the languages without help pages, and said with a real boolean
    ("hoe lang duurt de bezorging?", lambda: device_frame(
        help_passage("shipping-and-delivery", "", language="nl")[1], intent="delivery_options", language="nl",
        translated=True), "language"),
    ("quanto tempo ci vuole per la consegna?", lambda: device_frame(
        help_passage("shipping-and-delivery", "How long does delivery take")[1], intent="delivery_period",
        language="it", translated="yes"), "malformed"),
    ("how long does delivery take?", lambda: "delivery_period", "malformed"),
    # a passage the help-answer check takes, on a message the server's router hands to a person: never the device's
    # (session 27's security probe: a tampered widget's claim kept a refund demand from the team)
    ("I want a refund, the table arrived broken and I want to talk to a person", lambda: device_frame(
        help_passage("returns-and-exchanges", "How do I return")[1], intent="return_item"), "server_not_routine"),
    # a help passage the check takes, claimed for another question than the server's router reads: an order question
    # answered with the returns page (session 30's security probe)
    ("where is my order?", lambda: device_frame(
        help_passage("returns-and-exchanges", "How do I return")[1], intent="return_item"), "server_other_intent"),
    ("how long does delivery take?", lambda: device_frame(
        help_passage("shipping-and-delivery", "How long does delivery take")[1], intent="delivery_period",
        confidence="very"), "malformed"),
    ("how long does delivery take?", lambda: device_frame(
        help_passage("shipping-and-delivery", "How long does delivery take")[1], intent="delivery_period",
        decision_ms=-1), "malformed"),
])
async def test_what_the_server_cannot_take_it_answers_itself(text, frame, reason):
    socket, _ = await connected(await anonymous_cookie())
    client_id = await send_answered(socket, text, await in_thread(frame))
    end, seen = await until(socket, "reply.end")
    # the widget is told to withdraw what its device showed (before the server's answer: a direct send,
    # while the acknowledgement travels through the conversation's group)
    refused = [e for e in seen if e["type"] == "device.answer.refused"]
    assert refused == [{"type": "device.answer.refused", "client_id": client_id, "reason": reason}]
    # and the message is never lost: the server routes and answers it as any other
    saved = next(e for e in seen if e["type"] == "message.saved")
    assert end["in_reply_to"] == saved["message_id"]
    message = await message_of(saved["message_id"])
    assert message.device_refused == reason and not message.answered_on_device
    assert message.reason != ANSWERED_ON_DEVICE and message.route and message.status == "answered"
    assert not (await reply_to(saved["message_id"])).answered_on_device
    await socket.disconnect()


# A routine-sounding question each DEVICE_HELP passage does not answer (the help-answer check gives 0.01-0.02; its
# threshold is about 0.11): a device whose model picks that passage has its answer refused, as the server's own would be.
NOT_ANSWERED_BY = {"delivery_period": "can the driver carry the wardrobe up to the fourth floor?",
                   "return_item": "can I return a sofa I bought in your Black Friday sale two years ago?",
                   "recover_password": "is there a way to turn on two-factor login?"}


async def test_a_device_answer_the_help_section_does_not_answer_is_refused_and_the_server_answers():
    socket, _ = await connected(await anonymous_cookie())
    intent, page, heading, _, _ = await in_thread(device_help)
    _, passage_id = await in_thread(help_passage, page, heading)
    client_id = await send_answered(socket, NOT_ANSWERED_BY[intent], device_frame(passage_id, intent=intent))
    end, seen = await until(socket, "reply.end")
    assert [e for e in seen if e["type"] == "device.answer.refused"] == [
        {"type": "device.answer.refused", "client_id": client_id, "reason": "section_no_answer"}]
    saved = next(e for e in seen if e["type"] == "message.saved")
    message = await message_of(saved["message_id"])
    assert message.device_refused == "section_no_answer" and not message.answered_on_device
    # the server answers it itself: sent on (no key here: a person), or from a section the check takes
    assert end["in_reply_to"] == saved["message_id"] and message.route != "off_topic"
    if message.route == "local":
        reply = await reply_to(saved["message_id"])
        threshold = (await in_thread(answer_check_get)).threshold
        assert passage_id.split("#")[1] not in reply.sources[0]["url"]
        assert message.scores.get("answers_probability", 1.0) >= threshold
    await socket.disconnect()


async def test_an_intent_the_device_model_leaves_to_the_server_is_not_taken_from_a_device():
    # given routine help the policy would let a device answer, which the served model leaves to the
    # server (two intents too alike for it to tell apart: the build's "twins")
    from rag.device.manifest import device_manifest

    twins = device_manifest()["report"]["left_to_the_server_as_twins"]
    if not twins:
        pytest.skip("this build of the device model leaves no intent to the server")
    twin = twins[0]
    slug = INTENT_DOCUMENTS[twin][0]
    passage, passage_id = await in_thread(help_passage, slug, "")
    socket, _ = await connected(await anonymous_cookie())
    # when a (tampered or outdated) client claims to have answered it
    await send_answered(socket, passage.heading, device_frame(passage_id, intent=twin))
    # then the server refuses the claim and answers the message itself
    refused, seen = await until(socket, "device.answer.refused")
    assert refused["reason"] == "out_of_scope"
    await until(socket, "reply.end")
    await socket.disconnect()


@pytest.mark.parametrize("private", [False, True])
async def test_the_server_answers_a_stale_version_from_its_own_router(settings, private):
    # with DEVICE_ANSWER_TEXTS_KEPT_OFF_SERVER too: a message the server answers keeps its words
    settings.DEVICE_ANSWER_TEXTS_KEPT_OFF_SERVER = private
    socket, _ = await connected(await anonymous_cookie())
    _, passage_id = await in_thread(help_passage, "payment-methods", "")
    await send_answered(socket, "Which payment methods do you accept?",
                        device_frame(passage_id, intent="check_payment_methods", version="0ld"))
    end, _ = await until(socket, "reply.end")
    message = await message_of(end["in_reply_to"])
    assert message.device_version == "0ld" and message.device_refused == "stale"
    assert message.text == "Which payment methods do you accept?" and not message.text_kept_on_device
    assert end["intent"] == "check_payment_methods" and "PayPal" in end["text"]
    assert message.scores and "passage_id" not in message.scores  # the server's router decided
    await socket.disconnect()


async def test_while_staff_have_the_chat_the_device_does_not_answer():
    cookie = await anonymous_cookie()
    socket, history = await connected(cookie)
    await database_sync_to_async(Conversation.objects.filter(id=history["conversation_id"]).update)(
        status=Conversation.Status.WITH_AGENT)
    intent, page, heading, question, _ = await in_thread(device_help)
    _, passage_id = await in_thread(help_passage, page, heading)
    await send_answered(socket, question, device_frame(passage_id, intent=intent))
    refused, _ = await until(socket, "device.answer.refused")
    assert refused["reason"] == "conversation_busy"
    await socket.disconnect()


async def test_a_resend_after_a_reconnect_is_saved_once_and_acknowledged_again():
    cookie = await anonymous_cookie()
    socket, _ = await connected(cookie)
    intent, page, heading, question, _ = await in_thread(device_help)
    _, passage_id = await in_thread(help_passage, page, heading)
    frame = device_frame(passage_id, intent=intent)
    client_id = await send_answered(socket, question, frame)
    first, _ = await until(socket, "device.answer.saved")
    await socket.disconnect()
    # the widget reconnects: the history shows the answer as answered on the device
    socket, history = await connected(cookie)
    assert [(m["author"], m["on_device"]) for m in history["messages"]] == [("customer", True), ("bot", True)]
    await send_answered(socket, question, frame, client_id)
    again, _ = await until(socket, "device.answer.saved")
    assert again["reply_id"] == first["reply_id"]
    assert await socket.receive_nothing(timeout=0.5)
    assert await database_sync_to_async(Message.objects.filter(client_id=client_id).count)() == 1
    assert await database_sync_to_async(Message.objects.filter(in_reply_to_id=first["message_id"]).count)() == 1
    await socket.disconnect()


async def test_the_handoff_packet_and_the_rating_keep_working_after_a_device_answer():
    socket, _ = await connected(await anonymous_cookie())
    passage, passage_id = await in_thread(help_passage, "returns-and-exchanges", "How do I return")
    await send_answered(socket, "how do I return something?", device_frame(passage_id, intent="return_item"))
    answered, _ = await until(socket, "device.answer.saved")
    # the customer rates the device's answer like any other
    await socket.send_json_to({"type": "feedback", "reply_id": answered["reply_id"], "score": 1})
    rated, _ = await until(socket, "feedback.saved")
    assert rated["reply_id"] == answered["reply_id"]
    # then asks for a person: staff see what the device answered, marked as such
    await socket.send_json_to({"type": "customer.message", "text": "I want to talk to a person",
                               "client_id": str(uuid.uuid4())})
    await until(socket, "handoff")
    handoff = await database_sync_to_async(Handoff.objects.get)(message__conversation__messages__id=answered["reply_id"])
    answers = [a for a in handoff.bot_answers if a["on_device"]]
    assert answers and answers[0]["text"] == passage.text[:300] and answers[0]["sources"] == [passage.as_source()]
    await socket.disconnect()


# --- the widget's device.status frames -------------------------------------------------------------------


async def test_device_status_frames_are_kept_for_ops():
    socket, history = await connected(await anonymous_cookie())
    await socket.send_json_to({"type": "device.status", "state": "fallback", "reason": "no-wasm",
                               "version": "", "load_ms": None})
    assert await socket.receive_nothing(timeout=0.3)
    status = await database_sync_to_async(DeviceStatus.objects.get)(conversation_id=history["conversation_id"])
    assert (status.state, status.reason, status.version_current) == ("fallback", "no-wasm", False)
    await socket.disconnect()

    socket, history = await connected(await anonymous_cookie())
    await socket.send_json_to({"type": "device.status", "state": "ready", "reason": None,
                               "version": server_device_version(), "load_ms": 412.25})
    assert await socket.receive_nothing(timeout=0.3)
    status = await database_sync_to_async(DeviceStatus.objects.get)(conversation_id=history["conversation_id"])
    assert (status.state, status.reason, status.version_current, status.load_ms) == ("ready", "", True, 412.2)
    await socket.disconnect()


@pytest.mark.parametrize("frame", [
    {"state": "broken"}, {"state": "fallback"}, {"state": "fallback", "reason": "bored"},
    {"state": "ready", "version": "v" * 65}, {"state": "ready", "load_ms": -5}, {"state": "ready", "load_ms": "fast"},
])
async def test_a_device_status_the_server_cannot_read_gets_an_error(frame):
    socket, history = await connected(await anonymous_cookie())
    await socket.send_json_to({"type": "device.status", **frame})
    error = await socket.receive_json_from(timeout=5)
    assert error["type"] == "error" and error["code"] == "bad_device_status"
    assert not await database_sync_to_async(DeviceStatus.objects.exists)()
    await socket.disconnect()


async def test_a_widget_reports_its_device_once_per_page_load():
    socket, history = await connected(await anonymous_cookie())
    for _ in range(5):
        await socket.send_json_to({"type": "device.status", "state": "fallback", "reason": "slow-device"})
    assert await socket.receive_nothing(timeout=0.3)
    assert await database_sync_to_async(DeviceStatus.objects.count)() == 1
    await socket.disconnect()


# --- DEVICE_ANSWER_TEXTS_KEPT_OFF_SERVER ------------------------------------------------------------------


async def test_with_the_privacy_setting_only_the_decision_is_stored(settings):
    settings.DEVICE_ANSWER_TEXTS_KEPT_OFF_SERVER = True
    cookie = await anonymous_cookie()
    socket, history = await connected(cookie)
    intent, page, heading, question, _ = await in_thread(device_help)
    passage, passage_id = await in_thread(help_passage, page, heading)
    await send_answered(socket, f"{question} (I live in Utrecht)", device_frame(passage_id, intent=intent))
    answered, _ = await until(socket, "device.answer.saved")
    # the widget keeps what it showed; the server sends no text back
    assert answered["text"] == "" and answered["text_kept_on_device"] and answered["sources"] == [passage.as_source()]
    message, reply = await message_of(answered["message_id"]), await reply_to(answered["message_id"])
    # neither the customer's words nor the passage are stored: only the decision
    assert message.text == "" and reply.text == "" and message.text_kept_on_device and reply.text_kept_on_device
    assert (message.intent, message.scores, message.route_latency_ms) == (intent, {"passage_id": passage_id}, 3.5)
    assert not await database_sync_to_async(Message.objects.filter(text__contains="Utrecht").exists)()
    await socket.disconnect()
    # the history and the console say where the texts are
    socket, history = await connected(cookie)
    assert [(m["text"], m["kept_on_device"]) for m in history["messages"]] == [("", True), ("", True)]
    await socket.disconnect()
    from support.console_selectors import conversation_detail

    detail = await in_thread(conversation_detail, conversation_id=uuid.UUID(history["conversation_id"]))
    assert [(m["on_device"], m["kept_on_device"]) for m in detail["messages"]] == [(True, True), (True, True)]
    assert detail["messages"][0]["trace"]["reason"] == ANSWERED_ON_DEVICE

