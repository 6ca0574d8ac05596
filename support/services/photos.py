"""Photos customers attach to their conversation (a damaged parcel, a broken lamp).

An upload is checked here before anything is stored: its size, that it really decodes
as a JPEG, PNG or WebP (with only those three Pillow decoders allowed, so an SVG, HTML,
a GIF or a PDF is refused whatever it is called), its pixel count before it is decoded
(a decompression bomb is refused unread) and how many photos the conversation already
has this hour. What is stored is the image re-encoded from its pixels, scaled to at most
PHOTO_MAX_EDGE: no EXIF (GPS position, camera, time), no XMP or comments, and no byte of
the upload as sent, so a polyglot (a JPEG that is also a script) loses its second life.

The photo is a customer message in the conversation (`Photo.message`), so it is in the
history after a reload, in the console's transcript and in the handoff's conversation.
It needs no answer from the assistant: staff see it. The assistant may pass it to the
LLM only when the customer agreed and a key is set (`photo_for_llm`).
"""
from __future__ import annotations

import io
import threading
import uuid
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

from support.llm.provider import Image as LLMImage
from support.services.language import lazy_text
from support.models import Conversation, Message, Photo
from support.selectors import conversation_has_ended
from support.services.conversations import conversation_next, conversation_owned_by

# Pillow's format names -> what the photo is stored and served as. MPO is Pillow's name for a
# JPEG with more pictures after the first (phones' depth or HDR maps): it is stored as a JPEG.
CONTENT_TYPES = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
STORED_FORMAT = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


class PhotoRejected(Exception):
    """The upload is refused: `code` for the widget, `message` for the customer, `status` for HTTP."""

    def __init__(self, code: str, message: Any, status: int) -> None:  # a text read when sent (lazy)
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def too_large() -> PhotoRejected:
    return PhotoRejected("too_large", lazy_text(gettext_lazy("That photo is too large: photos can be at most %(size)s."),
                                                size=_megabytes(settings.PHOTO_MAX_BYTES)), 413)


def too_many_pixels() -> PhotoRejected:
    return PhotoRejected("too_many_pixels", lazy_text(gettext_lazy(
        "That image has too many pixels to open. Please send a photo of at most %(megapixels)s megapixels."),
        megapixels=f"{settings.PHOTO_MAX_PIXELS / 1_000_000:g}"), 413)


NOT_AN_IMAGE = ("wrong_type", gettext_lazy("That file isn't a photo we can take: please attach a JPEG, PNG or WebP image."),
                415)


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    width: int
    height: int


def _trailing_data(data: bytes, image_format: str) -> bool:
    """A PNG or WebP with bytes after its end (a second file glued on: a polyglot).

    Not checked for JPEG: phones append their own data after the picture (Samsung's
    trailers, the gain map of an HDR photo), and re-encoding drops whatever follows anyway.
    """
    if image_format == "PNG":
        return not data.endswith(b"IEND\xaeB`\x82")
    if image_format == "WEBP":
        declared = int.from_bytes(data[4:8], "little") + 8
        return len(data) > declared + (declared % 2)
    return False


# Decoding a photo holds all its pixels: a PNG or WebP of a few hundred KB can hold 38 million of
# them (150 MB as RGBA; JPEGs decode at a smaller scale), and the server answers up to
# SERVER_THREADS requests at once. At most this many photos are decoded at the same time; the
# others wait their turn, so uploads sent side by side cannot take the server's memory.
DECODES_AT_ONCE = 2
_decoding = threading.BoundedSemaphore(DECODES_AT_ONCE)


def photo_clean(data: bytes) -> CleanImage:
    """The upload as a freshly encoded image with no metadata, or PhotoRejected."""
    if len(data) > settings.PHOTO_MAX_BYTES:
        raise too_large()
    with _decoding:
        return _cleaned(data)


def _cleaned(data: bytes) -> CleanImage:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=["JPEG", "PNG", "WEBP"])
            image_format = image.format or ""
            if image.width * image.height > settings.PHOTO_MAX_PIXELS:
                raise too_many_pixels()
            if image_format not in CONTENT_TYPES or _trailing_data(data, image_format):
                raise PhotoRejected(*NOT_AN_IMAGE)
            if image_format in ("JPEG", "MPO"):
                image.draft("RGB", (settings.PHOTO_MAX_EDGE, settings.PHOTO_MAX_EDGE))  # decode at a smaller scale
            image.load()
            # The camera's orientation is applied to the pixels before the EXIF that carried it goes.
            image = ImageOps.exif_transpose(image)
            content_type = CONTENT_TYPES[image_format]
            stored_format = STORED_FORMAT[content_type]
            has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
            image = image.convert("RGBA" if has_alpha and stored_format != "JPEG" else "RGB")
            image.thumbnail((settings.PHOTO_MAX_EDGE, settings.PHOTO_MAX_EDGE))
            # A new image from the pixels alone: no EXIF, XMP, ICC profile, comment or text chunk follows it.
            clean = Image.frombytes(image.mode, image.size, image.tobytes())
    except PhotoRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, MemoryError):
        raise too_many_pixels() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise PhotoRejected(*NOT_AN_IMAGE) from None
    out = io.BytesIO()
    options = {"quality": 85} if stored_format in ("JPEG", "WEBP") else {"optimize": True}
    clean.save(out, format=stored_format, **options)
    return CleanImage(out.getvalue(), content_type, clean.width, clean.height)


def _conversation_for(*, conversation_id: str, user: AbstractBaseUser | AnonymousUser,
                      session: SessionBase) -> Conversation:
    try:
        conversation = Conversation.objects.get(id=uuid.UUID(str(conversation_id)))
    except (ValueError, Conversation.DoesNotExist):
        conversation = None
    if conversation is None or not conversation_owned_by(conversation, user=user, session=session):
        # Someone else's conversation looks exactly like none.
        raise PhotoRejected("not_found", gettext_lazy("This conversation can't be found. Reload the page and try again."),
                            404)
    return conversation


def _within_limits(conversation: Conversation) -> None:
    photos = Photo.objects.filter(conversation=conversation)
    if photos.count() >= settings.PHOTOS_PER_CONVERSATION:
        raise PhotoRejected("too_many_photos", lazy_text(gettext_lazy(
            "This conversation already has %(count)s photos, the most it can hold. Our team can ask for more if they "
            "need them."), count=settings.PHOTOS_PER_CONVERSATION), 429)
    if photos.filter(created_at__gte=timezone.now() - timedelta(hours=1)).count() >= settings.PHOTOS_PER_CONVERSATION_PER_HOUR:
        raise PhotoRejected("too_many_photos", lazy_text(gettext_lazy(
            "You've sent %(count)s photos in the last hour, the most we take. Please wait a while before sending more."),
            count=settings.PHOTOS_PER_CONVERSATION_PER_HOUR), 429)


def photo_attach(*, conversation_id: str, user: AbstractBaseUser | AnonymousUser, session: SessionBase,
                 data: bytes, client_id: uuid.UUID, caption: str = "", llm_consent: bool = False) -> tuple[Photo, bool]:
    """Check, clean and store a photo as a customer message; returns it and whether it is new.

    `client_id` makes a resend after a lost response idempotent, as for text messages.
    Raises PhotoRejected (nothing stored) for someone else's conversation, a file that is
    too large, not a JPEG, PNG or WebP, too many pixels, or too many photos. A conversation that has
    ended takes no photo: it goes to the next one (the photo's `conversation`), as a question does.
    """
    conversation = _conversation_for(conversation_id=conversation_id, user=user, session=session)
    if conversation_has_ended(conversation_id=conversation.id):
        # Resolved, or left idle: as a question would, the photo starts the next conversation, where the team
        # and the assistant look (the caller follows it there).
        conversation = conversation_next(previous_id=conversation.id)
    existing = Photo.objects.filter(conversation=conversation, message__client_id=client_id).select_related("message").first()
    if existing is not None:
        return existing, False
    if len(caption) > settings.CHAT_MAX_MESSAGE_CHARS:
        raise PhotoRejected("text_too_long", lazy_text(gettext_lazy("Messages can be at most %(limit)s characters."),
                                                       limit=settings.CHAT_MAX_MESSAGE_CHARS), 400)
    _within_limits(conversation)
    clean = photo_clean(data)
    photo = Photo(conversation=conversation, content_type=clean.content_type, width=clean.width,
                  height=clean.height, size_bytes=len(clean.data), llm_consent=llm_consent)
    # Stored before the row, so no row ever points at a missing file; a failed insert removes it again.
    photo.image.save("photo", ContentFile(clean.data), save=False)
    try:
        with transaction.atomic():
            # Counted again under the conversation's row lock (SQLite: the write lock BEGIN IMMEDIATE takes), so
            # photos sent side by side cannot all pass the check above while each other's rows are not there yet.
            Conversation.objects.select_for_update().filter(id=conversation.id).exists()
            _within_limits(conversation)
            # Answered already: a photo asks the assistant nothing, so no stranded-message sweep picks it up.
            photo.message = Message.objects.create(
                conversation=conversation, author=Message.Author.CUSTOMER, text=caption.strip(),
                client_id=client_id, status=Message.Status.ANSWERED)
            photo.save()
            Conversation.objects.filter(id=conversation.id).update(updated_at=timezone.now())
    except PhotoRejected:
        photo.image.delete(save=False)
        raise
    except IntegrityError:  # the same client_id sent twice at once, or a text message's
        photo.image.delete(save=False)
        resent = Photo.objects.select_related("message").filter(conversation=conversation, message__client_id=client_id).first()
        if resent is None:  # a client that reused a text message's id: nothing stored, a clear error (was a 500)
            raise PhotoRejected("client_id_taken", gettext_lazy(
                "This message id is already taken by another message. Please send the photo again."), 400) from None
        return resent, False
    return photo, True


def photo_visible_to(photo: Photo, *, user: AbstractBaseUser | AnonymousUser, session: SessionBase) -> bool:
    """The conversation's customer (or visitor's browser session), or anyone who may use the console."""
    from support.roles import can_view_console

    return can_view_console(user) or conversation_owned_by(photo.conversation, user=user, session=session)


def llm_key_set() -> bool:
    """A key for the configured LLM provider is set (GEMINI_API_KEY, or LLM_API_KEY for a server of the shop's)."""
    return bool(settings.GEMINI_API_KEY if settings.LLM_PROVIDER == "gemini" else settings.LLM_API_KEY)


def photo_for_llm(photo: Photo) -> bool:
    """May the assistant show this photo to the LLM? Only with a key set and the customer's consent.

    Without either the photo goes to staff only: the customer ticked nothing, or no model
    is configured that could see it.
    """
    return photo.llm_consent and llm_key_set()


def photos_for_llm(*, conversation_id: uuid.UUID) -> list[Photo]:
    """The conversation's photos an escalation may carry to the LLM (none without a key)."""
    if not llm_key_set():
        return []
    return list(Photo.objects.filter(conversation_id=conversation_id, llm_consent=True))


def photo_images_for_llm(*, conversation_id: uuid.UUID, until: datetime) -> list[LLMImage]:
    """What one escalation shows the LLM: the stored bytes of the conversation's newest photos the
    customer agreed to, sent by `until`, oldest first; none without a key.

    At most LLM_PHOTOS_PER_REQUEST photos and LLM_PHOTO_BYTES_PER_REQUEST bytes together: the
    newest that fit go, older ones stay here. What goes is the stored file, re-encoded from the
    pixels when it was attached (no EXIF, GPS or other metadata), never the upload as sent.
    """
    if not llm_key_set() or settings.LLM_PHOTOS_PER_REQUEST <= 0:
        return []
    newest = (Photo.objects.filter(conversation_id=conversation_id, llm_consent=True, created_at__lte=until)
              .order_by("-created_at")[:settings.LLM_PHOTOS_PER_REQUEST])
    images: list[LLMImage] = []
    room = settings.LLM_PHOTO_BYTES_PER_REQUEST
    for photo in newest:
        if photo.size_bytes > room:
            continue
        try:
            with photo.image.open("rb") as stored:
                data = stored.read(room + 1)
        except OSError:  # the file is gone (storage cleaned by hand): the question still goes, without it
            continue
        if len(data) > room:
            continue
        room -= len(data)
        images.append(LLMImage(mime_type=photo.content_type, data=data))
    return images[::-1]
