"""Photos customers attach (#15 item 12): checked, cleaned, stored and shown only to whom they belong.

Real components throughout: Django's test client against the real views and middleware
(CSRF included), Pillow decoding real images, the default FileSystemStorage in a
temporary folder, and the real chat socket for the live event.
"""
from __future__ import annotations

import io
import os
import struct
import threading
import uuid
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import ExifTags, Image

from support.console_selectors import conversation_detail
from support.models import Conversation, Message, Photo
from support.roles import AGENT as AGENT_GROUP
from support.roles import OPS as OPS_GROUP
from support.selectors import conversation_history
from support.services.conversations import SESSION_KEY
from support.services.photos import photo_for_llm, photos_for_llm
from tests.conftest import chat_socket, session_cookie_for

UPLOAD = "/chat/photos/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings.MEDIA_ROOT


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def jpeg(size: tuple[int, int] = (64, 48), *, gps: bool = False, orientation: int | None = None,
         trailer: bytes = b"") -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, size[0] // 2, size[1] // 2))  # a blue corner, to see the rotation
    exif = Image.Exif()
    exif[ExifTags.Base.Model] = "PhoneCam 9"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        ifd = exif.get_ifd(ExifTags.IFD.GPSInfo)
        ifd[ExifTags.GPS.GPSLatitudeRef] = "N"
        ifd[ExifTags.GPS.GPSLatitude] = (52.0, 22.0, 1.5)
        ifd[ExifTags.GPS.GPSLongitudeRef] = "E"
        ifd[ExifTags.GPS.GPSLongitude] = (4.0, 53.0, 2.5)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"taken at Prinsengracht 263")
    return out.getvalue() + trailer


def png(size: tuple[int, int] = (40, 30), *, trailer: bytes = b"") -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (10, 120, 60, 200)).save(out, "PNG")
    return out.getvalue() + trailer


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares `width` x `height` pixels in a few bytes: a decompression bomb's header."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 1024)) + chunk(b"IEND", b"")


@pytest.fixture
def alice(make_customer) -> User:  # type: ignore[no-untyped-def]
    return make_customer("alice", "Alice")


@pytest.fixture
def alices(alice: User) -> Conversation:
    return Conversation.objects.create(customer=alice)


def signed_in(user: User, **kwargs) -> Client:  # type: ignore[no-untyped-def]
    client = Client(**kwargs)
    client.force_login(user)
    return client


def staff(username: str, group: str) -> User:
    user = User.objects.create_user(username, f"{username}@example-shoppe.test", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return User.objects.get(pk=user.pk)


def attach(client: Client, conversation: Conversation, data: bytes, *, name: str = "damage.jpg",
           consent: bool = False, client_id: str | None = None, **extra):  # type: ignore[no-untyped-def]
    fields = {"conversation": str(conversation.id), "client_id": client_id or str(uuid.uuid4()),
              "photo": SimpleUploadedFile(name, data, content_type="image/jpeg"), **extra}
    if consent:
        fields["llm_consent"] = "1"
    return client.post(UPLOAD, fields)


# --- cleaning ----------------------------------------------------------------------------------------------
def test_a_jpeg_with_gps_comes_out_without_it_or_any_other_metadata(db, alice, alices, media) -> None:  # type: ignore[no-untyped-def]
    # given: a phone photo with a GPS position, the camera's name and a comment
    original = jpeg(gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo), "the test photo carries GPS"
    # when
    response = attach(signed_in(alice), alices, original)
    # then
    assert response.status_code == 201, response.content
    photo = Photo.objects.get()
    stored = photo.image.read()
    kept = Image.open(io.BytesIO(stored))
    assert kept.format == "JPEG"
    assert not kept.getexif(), "no EXIF at all: no GPS, no camera"
    assert not kept.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert b"Exif" not in stored and b"PhoneCam" not in stored and b"Prinsengracht" not in stored
    assert "comment" not in kept.info and "exif" not in kept.info
    assert (photo.width, photo.height, photo.content_type) == (64, 48, "image/jpeg")


def test_the_cameras_rotation_is_applied_before_its_exif_goes(db, alice, alices) -> None:  # type: ignore[no-untyped-def]
    # Orientation 6: the phone was held upright; the pixels are stored turned, as the customer saw it.
    response = attach(signed_in(alice), alices, jpeg((64, 48), orientation=6))
    assert response.status_code == 201
    photo = Photo.objects.get()
    assert (photo.width, photo.height) == (48, 64)
    assert Image.open(photo.image).size == (48, 64)


def test_a_large_photo_is_stored_scaled_down(db, settings, alice, alices) -> None:  # type: ignore[no-untyped-def]
    settings.PHOTO_MAX_EDGE = 100
    assert attach(signed_in(alice), alices, png((400, 200)), name="x.png").status_code == 201
    photo = Photo.objects.get()
    assert (photo.width, photo.height, photo.content_type) == (100, 50, "image/png")


def test_a_webp_is_kept_as_webp(db, alice, alices) -> None:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    Image.new("RGB", (30, 20), (1, 2, 3)).save(out, "WEBP")
    assert attach(signed_in(alice), alices, out.getvalue(), name="a.webp").status_code == 201
    assert Photo.objects.get().content_type == "image/webp"


# --- refusals: nothing is stored ---------------------------------------------------------------------------
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
NOT_PHOTOS = {
    "svg": SVG,
    "html": b"<!doctype html><script>alert(1)</script>",
    "gif": b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
           b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
    "pdf": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
    "text called .jpg": b"just some words",
    "a jpeg's first half": jpeg((200, 200))[:300],
    "a png with a web page glued on (polyglot)": png(trailer=b"<html><script>alert(1)</script></html>"),
}


@pytest.mark.parametrize("kind", list(NOT_PHOTOS))
def test_what_is_not_a_jpeg_png_or_webp_is_refused(db, alice, alices, media, kind: str) -> None:  # type: ignore[no-untyped-def]
    messages_before = Message.objects.count()
    response = attach(signed_in(alice), alices, NOT_PHOTOS[kind], name="photo.jpg")
    assert response.status_code == 415, response.content
    error = response.json()["error"]
    assert error["code"] == "wrong_type"
    assert "JPEG, PNG or WebP" in error["message"]
    assert not Photo.objects.exists() and Message.objects.count() == messages_before
    assert not stored_files(media)


def test_a_jpeg_polyglot_is_served_as_a_plain_image_without_its_payload(db, alice, alices) -> None:  # type: ignore[no-untyped-def]
    # A JPEG with a script after its end decodes as a JPEG: what is stored is re-encoded pixels only.
    client = signed_in(alice)
    response = attach(client, alices, jpeg(trailer=b"<script>alert(document.cookie)</script>"))
    assert response.status_code == 201
    served = client.get(response.json()["photo"]["url"])
    body = b"".join(served.streaming_content)
    assert b"<script>" not in body
    assert served["Content-Type"] == "image/jpeg" and served["X-Content-Type-Options"] == "nosniff"


def test_a_photo_over_the_size_limit_is_refused(db, settings, alice, alices, media) -> None:  # type: ignore[no-untyped-def]
    settings.PHOTO_MAX_BYTES = 2048
    out = io.BytesIO()
    Image.frombytes("RGB", (100, 100), os.urandom(30_000)).save(out, "PNG")  # noise: about 30 kB
    response = attach(signed_in(alice), alices, out.getvalue(), name="big.png")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert not Photo.objects.exists() and not stored_files(media)


def test_a_body_declared_far_over_the_limit_is_refused_before_it_is_read(db, settings, alice, alices) -> None:  # type: ignore[no-untyped-def]
    settings.PHOTO_MAX_BYTES = 1024 * 1024
    response = signed_in(alice).post(UPLOAD, b"x", content_type="multipart/form-data; boundary=x",
                                     CONTENT_LENGTH=str(50 * 1024 * 1024))
    assert response.status_code == 413
    assert response.json()["error"]["message"] == "That photo is too large: photos can be at most 1 MB."


@pytest.mark.parametrize("size", [(7000, 7000), (20000, 20000)], ids=["over PHOTO_MAX_PIXELS", "over Pillow's bomb limit"])
def test_a_decompression_bomb_is_refused_without_decoding_it(db, alice, alices, media, size) -> None:  # type: ignore[no-untyped-def]
    bomb = png_header_only(*size)
    assert len(bomb) < 2000
    response = attach(signed_in(alice), alices, bomb, name="bomb.png")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_many_pixels"
    assert not Photo.objects.exists() and not stored_files(media)


def test_photos_per_conversation_per_hour_are_limited(db, settings, alice, alices) -> None:  # type: ignore[no-untyped-def]
    settings.PHOTOS_PER_CONVERSATION_PER_HOUR = 2
    client = signed_in(alice)
    assert [attach(client, alices, jpeg()).status_code for _ in range(2)] == [201, 201]
    third = attach(client, alices, jpeg())
    assert third.status_code == 429
    assert "2 photos in the last hour" in third.json()["error"]["message"]
    assert Photo.objects.count() == 2


def test_photos_per_conversation_are_limited(db, settings, alice, alices) -> None:  # type: ignore[no-untyped-def]
    settings.PHOTOS_PER_CONVERSATION = 1
    client = signed_in(alice)
    assert attach(client, alices, jpeg()).status_code == 201
    assert attach(client, alices, jpeg()).status_code == 429


def test_a_resend_with_the_same_client_id_stores_one_photo(db, alice, alices) -> None:  # type: ignore[no-untyped-def]
    client, client_id = signed_in(alice), str(uuid.uuid4())
    first = attach(client, alices, jpeg(), client_id=client_id)
    again = attach(client, alices, jpeg(), client_id=client_id)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["photo"]["id"] == again.json()["photo"]["id"]
    assert Photo.objects.count() == 1 and Message.objects.count() == 1


async def alices_socket(alice: User):  # type: ignore[no-untyped-def]
    """Alice's chat socket, connected, its history read."""
    socket = chat_socket(await database_sync_to_async(session_cookie_for)(alice))
    ok, _ = await socket.connect(timeout=10)
    assert ok
    assert (await socket.receive_json_from(timeout=10))["type"] == "history"
    return socket


@pytest.mark.parametrize("ended_by", ["resolved", "idle"])
def test_a_photo_sent_after_the_conversation_ended_starts_the_next_one(db, settings, alice, alices, ended_by) -> None:  # type: ignore[no-untyped-def]
    """Staff resolved the chat (or it was left a day), then the customer sent a photo: it used to land in the closed
    conversation, where nobody looks; it starts the next one, as a question does, and stays there on a resend."""
    Message.objects.create(conversation=alices, author=Message.Author.CUSTOMER, text="my lamp arrived broken",
                           status=Message.Status.ANSWERED)
    if ended_by == "resolved":
        Conversation.objects.filter(id=alices.id).update(status=Conversation.Status.CLOSED)
    else:
        Conversation.objects.filter(id=alices.id).update(
            updated_at=timezone.now() - timedelta(hours=settings.CONVERSATION_IDLE_HOURS + 1))
    client, client_id = signed_in(alice), str(uuid.uuid4())
    response = attach(client, alices, jpeg(), client_id=client_id)
    assert response.status_code == 201
    photo = Photo.objects.get()
    assert photo.conversation_id != alices.id and photo.conversation.previous_id == alices.id
    assert photo.message.conversation_id == photo.conversation_id
    assert client.session[SESSION_KEY] == str(photo.conversation_id)  # a reload opens the new one
    again = attach(client, alices, jpeg(), client_id=client_id)  # the response was lost: sent again, to the old id
    assert again.status_code == 200 and Photo.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_socket_of_an_ended_conversation_follows_a_photo_to_the_next_one(alice, alices) -> None:  # type: ignore[no-untyped-def]
    socket = await alices_socket(alice)
    await database_sync_to_async(
        lambda: Conversation.objects.filter(id=alices.id).update(status=Conversation.Status.CLOSED))()
    response = await database_sync_to_async(lambda: attach(signed_in(alice), alices, jpeg()))()
    assert response.status_code == 201
    started = await socket.receive_json_from(timeout=10)
    assert started["type"] == "conversation.started" and started["previous_id"] == str(alices.id)
    assert [m.get("photo", {}).get("url") for m in started["messages"]] == [response.json()["photo"]["url"]]
    await socket.disconnect()


def test_photos_uploaded_side_by_side_are_decoded_two_at_a_time(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Each decode holds all the photo's pixels (a small PNG can be 150 MB of them): never more than two at once."""
    from concurrent.futures import ThreadPoolExecutor

    from support.services import photos

    decoding, most = 0, 0
    lock = threading.Lock()
    cleaned = photos._cleaned

    def counted(data: bytes):  # type: ignore[no-untyped-def]
        nonlocal decoding, most
        with lock:
            decoding += 1
            most = max(most, decoding)
        try:
            return cleaned(data)
        finally:
            with lock:
                decoding -= 1

    monkeypatch.setattr(photos, "_cleaned", counted)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(photos.photo_clean, [png((1500, 1500))] * 8))
    assert most == photos.DECODES_AT_ONCE == 2
    assert all(result.width == 1500 for result in results)


@pytest.mark.django_db(transaction=True)
def test_photos_sent_side_by_side_cannot_outrun_the_hourly_limit(settings, alice, alices, media) -> None:  # type: ignore[no-untyped-def]
    """The count is checked again, under the conversation's lock, when the photo is stored: five uploads at once
    with room for one store one, and the others get the limit's answer with nothing left on disk."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    settings.PHOTOS_PER_CONVERSATION_PER_HOUR = 2
    assert attach(signed_in(alice), alices, jpeg()).status_code == 201
    start = threading.Barrier(5)

    def upload(_: int) -> int:
        try:
            client = signed_in(alice)
            start.wait()
            return attach(client, alices, jpeg((900, 700))).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=5) as pool:
        codes = sorted(pool.map(upload, range(5)))
    assert codes == [201, 429, 429, 429, 429]
    assert Photo.objects.count() == 2 and len(stored_files(media)) == 2


def test_a_photo_sent_with_a_text_messages_client_id_is_refused_clearly_and_nothing_is_stored(  # type: ignore[no-untyped-def]
        db, alice, alices, media) -> None:
    client_id = uuid.uuid4()
    Message.objects.create(conversation=alices, author=Message.Author.CUSTOMER, text="hello", client_id=client_id)
    response = attach(signed_in(alice), alices, jpeg(), client_id=str(client_id))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "client_id_taken"
    assert not Photo.objects.exists() and not stored_files(media)
    assert list(Message.objects.values_list("text", flat=True)) == ["hello"]


def test_an_upload_needs_the_pages_csrf_token(db, alice, alices) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(alice, enforce_csrf_checks=True)
    assert attach(client, alices, jpeg()).status_code == 403
    assert not Photo.objects.exists()
    client.get("/")  # the page sets the CSRF cookie the widget's token belongs to
    token = client.cookies["csrftoken"].value
    response = client.post(UPLOAD, {"conversation": str(alices.id), "client_id": str(uuid.uuid4()),
                                    "photo": SimpleUploadedFile("a.jpg", jpeg())}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201


# --- who may attach and see it ------------------------------------------------------------------------------
def visitor_client(conversation: Conversation) -> Client:
    """An anonymous browser whose session owns `conversation`, as the chat socket records it."""
    client = Client()
    session = client.session
    session[SESSION_KEY] = str(conversation.id)
    session.save()
    return client


def test_only_the_conversations_customer_may_attach_to_it(db, make_customer, alice, alices, media) -> None:  # type: ignore[no-untyped-def]
    bob = make_customer("bob", "Bob")
    for stranger in (signed_in(bob), Client(), visitor_client(Conversation.objects.create())):
        response = attach(stranger, alices, jpeg())
        assert response.status_code == 404, response.content
    assert not Photo.objects.exists() and not stored_files(media)


def test_a_photo_is_shown_to_its_customer_and_staff_only(db, make_customer, alice, alices) -> None:  # type: ignore[no-untyped-def]
    # given: Alice attached a photo
    client = signed_in(alice)
    url = attach(client, alices, jpeg()).json()["photo"]["url"]
    # then: Alice gets it, inline, as a JPEG no browser sniffs, kept by no shared cache
    mine = client.get(url)
    assert mine.status_code == 200
    assert mine["Content-Type"] == "image/jpeg"
    assert mine["X-Content-Type-Options"] == "nosniff"
    assert mine["Content-Disposition"].startswith("inline;")
    assert "private" in mine["Cache-Control"] and "public" not in mine["Cache-Control"]
    assert Image.open(io.BytesIO(b"".join(mine.streaming_content))).format == "JPEG"
    # another customer, another visitor and a signed-out browser: as if there were no such photo
    bob = make_customer("bob", "Bob")
    assert signed_in(bob).get(url).status_code == 404
    assert visitor_client(Conversation.objects.create()).get(url).status_code == 404
    assert Client().get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404
    # staff who work the console see it
    for user in (staff("sam", AGENT_GROUP), staff("olivia", OPS_GROUP)):
        assert signed_in(user).get(url).status_code == 200
    # a photo id nobody has is the same 404
    assert signed_in(alice).get(f"/chat/photos/{uuid.uuid4()}/").status_code == 404


def test_a_visitors_photo_is_shown_to_their_browser_session(db) -> None:  # type: ignore[no-untyped-def]
    conversation = Conversation.objects.create()
    visitor = visitor_client(conversation)
    response = attach(visitor, conversation, png(), name="a.png")
    assert response.status_code == 201
    url = response.json()["photo"]["url"]
    assert visitor.get(url).status_code == 200
    assert visitor.get(url)["Content-Type"] == "image/png"
    assert visitor_client(Conversation.objects.create()).get(url).status_code == 404


# --- in the conversation ------------------------------------------------------------------------------------
def test_a_photo_is_a_message_in_the_history_and_the_console_transcript(db, alice, alices) -> None:  # type: ignore[no-untyped-def]
    photo = attach(signed_in(alice), alices, jpeg(), caption="The lamp arrived like this").json()
    history = conversation_history(conversation_id=alices.id)
    assert len(history) == 1
    assert history[0]["author"] == "customer" and history[0]["text"] == "The lamp arrived like this"
    assert history[0]["photo"]["url"] == photo["photo"]["url"]
    transcript = conversation_detail(conversation_id=alices.id)["messages"]
    assert transcript[0]["photo"]["url"] == photo["photo"]["url"]
    # A photo asks the assistant nothing: no stranded-message sweep will try to answer it.
    assert Message.objects.get().status == Message.Status.ANSWERED


def test_a_photo_without_caption_adds_no_blank_to_the_handoff_summary(db, alice, alices) -> None:  # type: ignore[no-untyped-def]
    from support.services.handoff import handoff_request

    Message.objects.create(conversation=alices, author="customer", status="answered", text="My lamp arrived broken")
    attach(signed_in(alice), alices, jpeg())
    handoff = handoff_request(conversation_id=alices.id, reason="person", message="Passing you to our team.")
    assert handoff.summary == "My lamp arrived broken"


def test_deleting_the_conversation_removes_the_photos_file(db, alice, alices, media) -> None:  # type: ignore[no-untyped-def]
    attach(signed_in(alice), alices, jpeg())
    assert len(stored_files(media)) == 1
    alices.delete()
    assert not stored_files(media)


def test_the_stored_name_says_nothing_and_cannot_be_guessed(db, alice, alices) -> None:  # type: ignore[no-untyped-def]
    attach(signed_in(alice), alices, jpeg(), name="alice-jansen-order-10030.jpg")
    attach(signed_in(alice), alices, jpeg(), name="alice-jansen-order-10030.jpg")
    names = [p.image.name for p in Photo.objects.all()]
    assert len(set(names)) == 2
    for name in names:
        assert "alice" not in name and "10030" not in name and alices.id.hex not in name
        assert len(Path(name).stem) >= 32  # 24 random bytes, URL-safe


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_customers_socket_hears_the_photo_live(alice, alices) -> None:  # type: ignore[no-untyped-def]
    socket = await alices_socket(alice)
    response = await database_sync_to_async(lambda: attach(signed_in(alice), alices, jpeg()))()
    assert response.status_code == 201
    event = await socket.receive_json_from(timeout=10)
    assert event["type"] == "photo.saved"
    assert event["photo"]["url"] == response.json()["photo"]["url"]
    assert event["client_id"] == response.json()["client_id"]
    await socket.disconnect()


# --- the LLM sees a photo only with a key and the customer's consent ------------------------------------------
@pytest.mark.parametrize(("provider", "key", "consent", "expected"), [
    ("gemini", "", False, False),
    ("gemini", "", True, False),  # agreed, but no key: staff only
    ("gemini", "AIza-test", False, False),  # a key, but the customer did not agree
    ("gemini", "AIza-test", True, True),
    ("openai-compatible", "", True, False),
    ("openai-compatible", "sk-test", True, True),
])
def test_a_photo_goes_to_the_llm_only_with_a_key_and_consent(db, settings, alice, alices, provider, key, consent,
                                                              expected) -> None:  # type: ignore[no-untyped-def]
    settings.LLM_PROVIDER = provider
    settings.GEMINI_API_KEY = key if provider == "gemini" else "AIza-not-this-provider"
    settings.LLM_API_KEY = key if provider == "openai-compatible" else "sk-not-this-provider"
    response = attach(signed_in(alice), alices, jpeg(), consent=consent)
    assert response.json()["photo"]["llm_consent"] is consent
    photo = Photo.objects.get()
    assert photo_for_llm(photo) is expected
    assert photos_for_llm(conversation_id=alices.id) == ([photo] if expected else [])
