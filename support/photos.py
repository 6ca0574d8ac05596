"""`POST /chat/photos/` (the widget's attach button) and `GET /chat/photos/<id>/` (showing one).

Photos travel over HTTP, not the socket: a multipart upload with the page's CSRF token.
Once saved, a `photo.saved` event on the conversation's group shows it on the
customer's other tabs and in the console of staff watching the conversation.
A photo is served only by `photo_show`, to the conversation's customer (or the
visitor's browser session) and to staff; anyone else gets the 404 an unknown id gets.
"""
from __future__ import annotations

import uuid

from contextlib import nullcontext

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.utils import translation
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from support import events, realtime
from support.models import Photo
from support.services.language import text_language
from support.selectors import photo_serialize
from support.services.conversations import conversation_follow
from support.services.photos import PhotoRejected, photo_attach, photo_visible_to, too_large

# Room for the multipart envelope and the form's other fields around the file itself.
ENVELOPE_BYTES = 64 * 1024


def _refused(rejected: PhotoRejected, request: HttpRequest | None = None) -> JsonResponse:
    """The refusal in the customer's words: the caption's language if it surely has one, else the page's."""
    caption = request.POST.get("caption", "") if request is not None and request.method == "POST" else ""
    language = text_language(caption) if caption else None
    with translation.override(language) if language else nullcontext():
        message = str(rejected.message)
    return JsonResponse({"error": {"code": rejected.code, "message": message}}, status=rejected.status)


@csrf_exempt  # checked by csrf_protect below, after the size: a too large body is refused before it is parsed
def photo_upload(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > settings.PHOTO_MAX_BYTES + ENVELOPE_BYTES:
        return _refused(too_large())
    return _photo_upload(request)


@csrf_protect
def _photo_upload(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("photo")
    if upload is None:
        return _refused(PhotoRejected("no_photo", gettext_lazy("Please choose a photo to send."), 400), request)
    if upload.size is not None and upload.size > settings.PHOTO_MAX_BYTES:
        return _refused(too_large(), request)
    try:
        client_id = uuid.UUID(request.POST.get("client_id", ""))
    except ValueError:
        client_id = uuid.uuid4()
    try:
        photo, created = photo_attach(
            conversation_id=request.POST.get("conversation", ""), user=request.user, session=request.session,
            data=upload.read(settings.PHOTO_MAX_BYTES + 1), client_id=client_id,
            caption=request.POST.get("caption", ""), llm_consent=request.POST.get("llm_consent") in ("1", "on", "true"))
    except PhotoRejected as rejected:
        return _refused(rejected, request)
    event = events.photo_saved(client_id=str(client_id), message_id=photo.message_id, text=photo.message.text,
                               created_at=photo.message.created_at.isoformat(), photo=photo_serialize(photo))
    sent_to = uuid.UUID(request.POST["conversation"])
    if photo.conversation_id != sent_to:
        # The conversation had ended: the photo started the next one. This browser opens that one from now on,
        # and the ended one's sockets (this tab's among them) follow it there, with its history.
        conversation_follow(session=request.session, conversation_id=photo.conversation_id)
        realtime.conversation_send(sent_to, events.conversation_started(
            conversation_id=str(photo.conversation_id), previous_id=str(sent_to), client_id=str(client_id)))
    if created:
        realtime.conversation_send(photo.conversation_id, event)
    return JsonResponse(event, status=201 if created else 200)


def photo_show(request: HttpRequest, photo_id: uuid.UUID) -> HttpResponse:
    """The photo, to its conversation's customer and to staff; 404 to everyone else (as for no photo)."""
    photo = Photo.objects.select_related("conversation").filter(id=photo_id).first()
    if photo is None or not photo_visible_to(photo, user=request.user, session=request.session):
        raise Http404("No such photo")
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    extension = photo.image.name.rsplit(".", 1)[-1]
    response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
    response["Content-Disposition"] = f'inline; filename="photo-{photo.id.hex[:8]}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    # The customer's and staff's browsers may keep it; no shared cache may.
    response["Cache-Control"] = "private, max-age=3600"
    response["Vary"] = "Cookie"
    return response
