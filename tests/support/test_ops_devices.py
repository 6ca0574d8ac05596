"""The ops dashboard's view of both tiers (issue #19): devices and server, from known data, on the page and as CSV."""
from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from support.models import Conversation, DeviceStatus, Feedback, Message
from support.ops.selectors.device_tier import device_tier_figures
from tests.support.test_ops_dashboard import staff

pytestmark = pytest.mark.django_db

AMS = ZoneInfo("Europe/Amsterdam")
START = datetime(2025, 3, 10, tzinfo=AMS)  # 10, 11 and 12 March 2025, Amsterdam time
END = datetime(2025, 3, 13, tzinfo=AMS)
PERIOD = "from=2025-03-10&to=2025-03-12"


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2025, 3, day, hour, 0, tzinfo=AMS)


def question(conversation: Conversation, when: datetime, *, device_ms: float | None = None, refused: str = "",
             language: str = "en") -> Message:
    """A customer message and its reply: decided on the device (`device_ms`), else by the server's router."""
    on_device = device_ms is not None
    message = Message.objects.create(
        conversation=conversation, author="customer", text="how long does delivery take?", status="answered",
        route="local", intent="delivery_period", language=language, created_at=when, answered_on_device=on_device,
        route_latency_ms=device_ms if on_device else 9.0, device_refused=refused,
        reason="answered on the device" if on_device else "router")
    Message.objects.create(conversation=conversation, author="bot", text="Two working days.", status="complete",
                           route="local", in_reply_to=message, answered_on_device=on_device, created_at=when)
    return message


def rate(message: Message, score: int) -> None:
    reply = Message.objects.get(in_reply_to=message)
    Feedback.objects.create(conversation=message.conversation, message=reply, kind="reply", score=score, route="local",
                            created_at=message.created_at)


def status(conversation: Conversation, when: datetime, state: str, reason: str = "", *, version: str = "v2",
           current: bool = True, load_ms: float | None = None) -> DeviceStatus:
    return DeviceStatus.objects.create(conversation=conversation, state=state, reason=reason, version=version,
                                       version_current=current, load_ms=load_ms, created_at=when)


@pytest.fixture
def two_tiers() -> None:
    conversation = Conversation.objects.create()
    # four questions answered on devices (2, 4, 6 and 8 ms), three by the server (one of them a stale device answer)
    on_device = [question(conversation, at(10, 9 + i), device_ms=ms) for i, ms in enumerate((2.0, 4.0, 6.0, 8.0))]
    on_server = [question(conversation, at(11, 10)), question(conversation, at(11, 11)),
                 question(conversation, at(12, 10), refused="stale")]
    rate(on_device[0], 1), rate(on_device[1], 1), rate(on_device[2], -1)
    rate(on_server[0], -1)
    status(conversation, at(10, 9), "ready", load_ms=300.0)
    status(conversation, at(10, 10), "ready", load_ms=500.0)
    status(conversation, at(11, 9), "fallback", "no-wasm", version="")
    status(conversation, at(11, 10), "fallback", "save-data", version="")
    status(conversation, at(11, 11), "fallback", "save-data", version="")
    status(conversation, at(12, 9), "fallback", "stale", version="v1", current=False)
    # outside the period: not counted
    question(conversation, at(13, 10), device_ms=1.0)
    status(conversation, at(13, 9), "fallback", "error")


@pytest.mark.usefixtures("two_tiers")
def test_the_device_tier_figures_from_known_data():
    figures = device_tier_figures(start=START, end=END)
    assert (figures.messages, figures.on_device, figures.share) == (7, 4, 4 / 7)
    assert (figures.decision.count, figures.decision.p50) == (4, 5.0) and figures.decision.p95 == pytest.approx(7.7)
    assert (figures.load.count, figures.load.p50) == (2, 400.0)
    assert figures.ready == 2 and figures.fallback_total == 4
    assert figures.fallbacks == [("save-data", "Data saver on", 2), ("no-wasm", "No WebAssembly", 1),
                                 ("stale", "Old model version", 1)]
    assert figures.refused == [("stale", "Old model version", 1)]
    assert figures.mismatches == 2  # the stale widget and the stale answer
    device, server = figures.satisfaction
    assert (device.route, device.ratings, device.up) == ("device", 3, 2)
    assert (server.route, server.ratings, server.up) == ("server", 1, 0)
    assert [(b.messages, b.on_device, b.ready, b.fallbacks, b.mismatches) for b in figures.buckets] == [
        (4, 4, 2, 0, 0), (2, 0, 0, 3, 0), (1, 0, 0, 1, 2)]


@pytest.mark.usefixtures("two_tiers")
def test_a_language_filter_keeps_only_its_customers():
    conversation = Conversation.objects.create()
    question(conversation, at(10, 15), device_ms=3.0, language="nl")
    dutch = device_tier_figures(start=START, end=END, language="nl")
    assert (dutch.messages, dutch.on_device, dutch.decision.p50) == (1, 1, 3.0)


@pytest.mark.usefixtures("two_tiers")
def test_the_dashboard_shows_both_tiers(client):
    client.force_login(staff("olivia", "Ops"))
    html = client.get(f"/ops/?{PERIOD}").content.decode()
    section = html[html.index('id="devices"'):html.index('id="languages"')]
    assert "57.1%" in section and "4 of 7 customer messages" in section
    assert 'data-reason="save-data"><th scope="row">Widget: Data saver on</th>\n            <td class="num">2</td>' in section
    assert 'data-refused="stale"' in section and "Answer refused: Old model version" in section
    assert 'data-tier="device"><th scope="row">Decision on the device</th><td class="num">4</td>' in section
    assert 'data-tier="device"><th scope="row">On customers&#x27; devices</th><td class="num">3</td>' in section
    assert f'href="/ops/devices.csv?{PERIOD.replace("&", "&amp;")}&amp;bucket=day"' in section


@pytest.mark.usefixtures("two_tiers")
def test_the_export_has_the_same_figures_per_day(client):
    client.force_login(staff("olivia", "Ops"))
    response = client.get(f"/ops/devices.csv?{PERIOD}&bucket=day")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["period"], r["customer_messages"], r["answered_on_devices"], r["share_on_devices"], r["devices_ready"],
             r["device_fallbacks"], r["version_mismatches"]) for r in rows] == [
        ("2025-03-10", "4", "4", "1.0000", "2", "0", "0"), ("2025-03-11", "2", "0", "0.0000", "0", "3", "0"),
        ("2025-03-12", "1", "0", "0.0000", "0", "1", "2")]


def test_the_export_is_for_ops_only(client, make_customer):
    client.force_login(make_customer())
    assert client.get(f"/ops/devices.csv?{PERIOD}").status_code in (302, 403)
    client.force_login(staff("olivia", "Ops"))
    assert client.get("/ops/devices.csv?from=yesterday").status_code == 400


def test_the_trace_says_where_each_message_was_decided(client):
    conversation = Conversation.objects.create()
    on_device = question(conversation, at(10, 9), device_ms=2.5)
    Message.objects.filter(id=on_device.id).update(device_version="v2", text="", text_kept_on_device=True)
    question(conversation, at(10, 10), refused="stale")
    client.force_login(staff("olivia", "Ops"))
    html = client.get(f"/ops/conversations/{conversation.id}/").content.decode()
    assert html.count("(kept on the customer's device)") == 1
    assert "2.5 ms on the device" in html and "on the customer's device (model v2)" in html
    assert "on the server (the device's answer was refused: stale)" in html
