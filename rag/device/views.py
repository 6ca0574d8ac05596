"""The device assistant's manifest and files, for the widget (static/chat/device/assistant.js)."""
from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from rag.device.manifest import device_file, device_manifest

IMMUTABLE = "public, max-age=31536000, immutable"


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """Which model and passage files are current: fetched fresh (revalidated) on every load of the assistant."""
    current = device_manifest()
    if current is None:
        response = JsonResponse({"error": "the device assistant is not built yet"}, status=404)
    else:
        def url(name: str) -> str:
            return reverse("device_file", kwargs={"name": name})

        response = JsonResponse({
            "version": current["version"],
            "model": {"url": url(current["model"]["file"]), "bytes": current["model"]["bytes"],
                      "gzip_bytes": current["model"]["gzip_bytes"]},
            "passages": {language: {"url": url(p["file"]), "bytes": p["bytes"], "gzip_bytes": p["gzip_bytes"]}
                         for language, p in current["passages"].items()},
            "help_index_version": current["help_index_version"],
            "languages": current["languages"],
            "intents": current["intents"],
        })
    response["Cache-Control"] = "no-cache"
    return response


def device_file_view(request: HttpRequest, name: str) -> HttpResponse:
    """A content-hashed file: the same name never changes, so browsers keep it; gzipped when they accept it.

    A name that is not one of the export's files is not found whatever the method (as the site's other
    pages deny a POST like their GET); only GET and HEAD read a file.
    """
    path = device_file(name)
    if path is None:
        raise Http404("no such device file")
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    packed = path.with_name(f"{path.name}.gz")
    if "gzip" in request.headers.get("Accept-Encoding", "") and packed.is_file():
        response = FileResponse(packed.open("rb"), content_type="application/json")
        response["Content-Encoding"] = "gzip"
    else:
        response = FileResponse(path.open("rb"), content_type="application/json")
    response["Cache-Control"] = IMMUTABLE
    response["Vary"] = "Accept-Encoding"
    return response
