"""The device assistant's manifest and files as the widget fetches them, and the passages the server
renders a device answer from (rag/device/)."""
from __future__ import annotations

import gzip
import json

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def manifest(client, local_models):  # type: ignore[no-untyped-def]
    response = client.get("/assistant/device/manifest.json")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-cache"  # fetched fresh: it names the current files
    return response.json()


def test_the_manifest_names_the_current_version_and_content_hashed_files(manifest):
    from rag.device.manifest import device_version
    from rag.router.languages import LANGUAGES

    assert manifest["version"] == device_version() and len(manifest["version"]) == 16
    assert manifest["model"]["url"].startswith("/assistant/device/model-")
    assert set(manifest["passages"]) == {"en", "nl", "de", "fr", "es"}
    assert manifest["languages"] == list(LANGUAGES)
    # routine help only (which of it depends on the build: rag/device/build.py leaves "twins" to the server)
    from support.services.device_answers import DEVICE_INTENTS

    assert manifest["intents"] and set(manifest["intents"]) <= DEVICE_INTENTS
    assert not {"track_order", "get_refund", "get_invoice", "cancel_order", "greeting"} & set(manifest["intents"])
    assert manifest["help_index_version"]


def test_a_hashed_file_is_immutable_and_gzipped_for_browsers_that_accept_it(client, manifest):
    url = manifest["model"]["url"]
    plain = client.get(url)
    packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert plain["Cache-Control"] == packed["Cache-Control"] == "public, max-age=31536000, immutable"
    raw = b"".join(plain.streaming_content)
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(b"".join(packed.streaming_content)) == raw
    assert len(raw) == manifest["model"]["bytes"]
    assert json.loads(raw)["classes"][-1] == "server"


def test_only_the_exports_own_files_are_served(client, local_models):
    for name in ("manifest.json.gz", "model-0123456789abcdef.json", "..%2Fsecret_key", "passages-en.json"):
        assert client.get(f"/assistant/device/{name}").status_code == 404


def test_each_bundle_passage_is_the_servers_own(client, manifest):
    from rag.device.passages import device_passage

    for language, bundle_file in manifest["passages"].items():
        bundle = json.loads(b"".join(client.get(bundle_file["url"]).streaming_content))
        assert bundle["language"] == language and bundle["intents"]
        for intent, passage_id in bundle["intents"].items():
            passage = device_passage(language, passage_id)
            assert passage is not None, (language, intent, passage_id)
            assert bundle["passages"][passage_id] == {"title": f"{passage.title}: {passage.heading}",
                                                      "text": passage.text, "url": passage.url}
    # Italian, Polish and Portuguese read the English passages, opened with their own line.
    english = json.loads(b"".join(client.get(manifest["passages"]["en"]["url"]).streaming_content))
    assert set(english["notes"]) == {"it", "pl", "pt"}
    assert device_passage("it", "shipping-and-delivery#how-long-does-delivery-take") is not None


def test_an_unknown_or_tampered_passage_id_is_none(local_models):
    from rag.device.passages import device_passage

    assert device_passage("en", "shipping-and-delivery#no-such-heading") is None
    assert device_passage("en", "no-such-page#anything") is None
    assert device_passage("nl", "shipping-and-delivery#how-long-does-delivery-take") is None  # an English id


def test_a_help_centre_change_refreshes_the_passages_without_retraining(local_models, settings, tmp_path):
    import shutil
    import time

    from rag.device.build import device_build
    from rag.device.manifest import device_dir, device_manifest, device_sources

    # given the export and the routers it was built from, in a data dir whose help index is another
    # (here: none built), as after a staff article changed
    for name in ("device", "router", "router-multilingual"):
        shutil.copytree(settings.DATA_DIR / name, tmp_path / name, ignore=shutil.ignore_patterns("*.npz"))
    built = device_manifest()
    settings.DATA_DIR = tmp_path
    assert device_manifest() == built

    # when the start-up path checks it
    started = time.perf_counter()
    refreshed = device_build(if_stale=True)

    # then the same model is kept and the bundles re-exported under a new version, in seconds
    assert time.perf_counter() - started < 30
    assert refreshed["model"] == built["model"] and refreshed["version"] != built["version"]
    assert refreshed["sources"] == device_sources() and refreshed["sources"]["help_index"] != built["sources"]["help_index"]
    assert (device_dir() / built["model"]["file"]).exists()  # the previous version's files are kept too
    assert device_build(if_stale=True) is None  # now current
