"""The device assistant's files under DATA_DIR/device/ and the one manifest that names them.

Each file's name carries its content hash, so a browser may keep it for good (Cache API); the
manifest, fetched fresh, says which files are current. Its `version` is the version the device
reports with each answer (`device_version`): the server accepts a device answer only from the
current one.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import tempfile
import threading
from pathlib import Path

from django.conf import settings
from django.utils import timezone

# What the export holds; an export of another format is rebuilt (`device_export_current`).
EXPORT_FORMAT = 5  # 2: trained on the help centre's questions too; 3: the model carries the rule for other companies;
# 4: and the longest message it answers; 5: the rule knows a product's name by the kind of thing after it
FILE_NAME = re.compile(r"^(model|passages-[a-z]{2})-[0-9a-f]{16}\.json$")

_cached: tuple[tuple[str, float], dict | None] = (("", -1.0), None)
_cache_lock = threading.Lock()


def device_dir() -> Path:
    return settings.DATA_DIR / "device"


def device_manifest() -> dict | None:
    """The current manifest (re-read when the file changes), or None before the first export."""
    global _cached
    path = device_dir() / "manifest.json"
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return None
    with _cache_lock:
        if _cached[0] != (str(path), mtime):
            _cached = ((str(path), mtime), json.loads(path.read_text()))
        return _cached[1]


def device_version() -> str:
    """The version of the device assistant the server serves now; "" when there is none."""
    manifest = device_manifest()
    return manifest["version"] if manifest else ""


def device_scope_current() -> list[str]:
    """The intents the current device assistant may answer ([] before the first export)."""
    manifest = device_manifest()
    return list(manifest["intents"]) if manifest else []


def device_file(name: str) -> Path | None:
    """A hashed file of the export, by name; None for anything else."""
    if not FILE_NAME.match(name):
        return None
    path = device_dir() / name
    return path if path.is_file() else None


def device_sources() -> dict:
    """What an export is built from: the exemplars, the server routers it copies and the help index versions."""
    from rag.index import INDEX_LANGUAGES, index_root
    from rag.router.decide import DECISION_LOGIC
    from rag.router.exemplars import exemplars_fingerprint
    from rag.router.model import artifact_dir as router_dir
    from rag.router.multilingual_model import artifact_dir as multilingual_dir
    from rag.router.organisations import organisations_rule
    from rag.section_choice import section_choice_fingerprint

    def trained_at(folder: Path) -> str:
        config = folder / "router.json"
        return json.loads(config.read_text()).get("meta", {}).get("trained_at", "") if config.exists() else ""

    def index_version(language: str) -> str:
        current = index_root(language) / "CURRENT"
        return current.read_text().strip() if current.exists() else ""

    return {
        "format": EXPORT_FORMAT,
        "exemplars": exemplars_fingerprint(chat=True),
        "routers": [trained_at(router_dir()), trained_at(multilingual_dir())],
        "decision_logic": DECISION_LOGIC,
        # the other organisations' names the server declines, which the device's file carries (rag/device/elsewhere.py)
        "organisations": hashlib.sha256(organisations_rule().encode()).hexdigest()[:16],
        "help_index": {language: index_version(language) for language in INDEX_LANGUAGES},
        # the server's choice of section, which the device is taught (rag/section_choice.py)
        "section_choice": section_choice_fingerprint(),
    }


def device_export_current() -> bool:
    manifest = device_manifest()
    return bool(manifest) and manifest.get("sources") == device_sources()


def device_model_current() -> bool:
    """Whether the export's model is current and only the help centre changed since (its bundles are not)."""
    manifest = device_manifest()
    if not manifest or not (device_dir() / manifest["model"]["file"]).is_file():
        return False
    sources = device_sources()
    return all(manifest.get("sources", {}).get(key) == value for key, value in sources.items() if key != "help_index")


def _write_hashed(folder: Path, stem: str, content: str) -> dict:
    """Write `content` as <stem>-<hash>.json (and its gzip beside it); its name and sizes."""
    raw = content.encode("utf-8")
    name = f"{stem}-{hashlib.sha256(raw).hexdigest()[:16]}.json"
    packed = gzip.compress(raw, compresslevel=9, mtime=0)
    for path, data in ((folder / name, raw), (folder / f"{name}.gz", packed)):
        if not path.exists():
            _write_atomic(path, data)
    return {"file": name, "bytes": len(raw), "gzip_bytes": len(packed)}


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".writing-", dir=path.parent)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def device_export(*, model_json: str, bundles: dict[str, dict], intents: list[str], languages: list[str],
                  report: dict) -> dict:
    """Write the model and the passage bundles under content-hashed names, then the manifest naming them.

    The previous manifest's files are kept (a browser may be fetching them); older ones are removed.
    """
    folder = device_dir()
    folder.mkdir(parents=True, exist_ok=True)
    previous = device_manifest()
    model = _write_hashed(folder, "model", model_json)
    passages = {language: _write_hashed(folder, f"passages-{language}", json.dumps(bundle, ensure_ascii=False,
                                                                                   separators=(",", ":")))
                for language, bundle in bundles.items()}
    sources = device_sources()
    version = hashlib.sha256(json.dumps([model["file"], sorted(p["file"] for p in passages.values()),
                                         sources["help_index"]]).encode()).hexdigest()[:16]
    manifest = {
        "version": version,
        "model": model,
        "passages": passages,
        "help_index_version": hashlib.sha256(json.dumps(sources["help_index"], sort_keys=True).encode()
                                             ).hexdigest()[:12],
        "languages": languages,
        "intents": intents,
        "sources": sources,
        "report": report,
        "built_at": timezone.now().isoformat(),
    }
    _write_atomic(folder / "manifest.json", json.dumps(manifest, indent=1).encode())
    keep = _files_named(manifest) | _files_named(previous)
    for path in folder.glob("*.json*"):
        if path.name != "manifest.json" and path.name.removesuffix(".gz") not in keep:
            path.unlink(missing_ok=True)
    return manifest


def _files_named(manifest: dict | None) -> set[str]:
    if not manifest:
        return set()
    return {manifest["model"]["file"], *(p["file"] for p in manifest["passages"].values())}
