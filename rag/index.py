"""The FAISS index over help passages: built, saved with a manifest, loaded and hot-swapped.

Layout under DATA_DIR/index/: one folder per version (`v-<content hash>/` holding
`index.faiss`, `passages.json`, `manifest.json`) and a `CURRENT` file naming the live
one. A rebuild writes a new folder, then replaces `CURRENT` atomically; every process
(daphne or worker) notices the change on its next search and swaps its copy in, while
searches already running finish on the old one.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import numpy as np
from django.conf import settings
from django.utils import timezone

from rag.documents import Passage, document_list, document_passages
from rag.encoder import DIMENSION, MODEL_NAME, encoder_get

log = logging.getLogger(__name__)
faiss.omp_set_num_threads(1)  # small searches are slower with more threads on 2 cores


def index_root() -> Path:
    return settings.DATA_DIR / "index"


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float


class KnowledgeIndex:
    """Passages and their vectors: each passage has two, its heading and its whole text."""

    def __init__(self, *, passages: list[Passage], index: faiss.Index, manifest: dict) -> None:
        self.passages = passages
        self.index = index
        self.manifest = manifest

    @property
    def version(self) -> str:
        return self.manifest["version"]

    def fits(self, vector: np.ndarray | None) -> bool:
        """Whether `vector` comes from the encoder this index was built with (the multilingual
        router's vectors do not: a message it routed is embedded again to search the help)."""
        return vector is not None and vector.shape[-1] == self.index.d

    def search(self, vector: np.ndarray, *, k: int = 3) -> list[Hit]:
        if not self.passages:
            return []
        scores, ids = self.index.search(vector.reshape(1, -1).astype(np.float32), min(k * 2, self.index.ntotal))
        hits: dict[int, float] = {}
        for score, vector_id in zip(scores[0], ids[0]):
            if vector_id < 0:
                continue
            passage_id = int(vector_id) // 2
            hits[passage_id] = max(hits.get(passage_id, -1.0), float(score))
        best = sorted(hits.items(), key=lambda item: -item[1])[:k]
        return [Hit(self.passages[i], score) for i, score in best]

    @classmethod
    def load(cls, folder: Path) -> KnowledgeIndex:
        manifest = json.loads((folder / "manifest.json").read_text())
        if manifest["model"] != MODEL_NAME or manifest["dimension"] != DIMENSION:
            raise ValueError(f"index in {folder} was built for {manifest['model']}/{manifest['dimension']}")
        passages = [Passage(**p) for p in json.loads((folder / "passages.json").read_text())]
        return cls(passages=passages, index=faiss.read_index(str(folder / "index.faiss")), manifest=manifest)


def _passage_texts(passage: Passage) -> tuple[str, str]:
    return passage.heading, f"{passage.title}. {passage.heading}\n{passage.text}"


def index_build(*, force: bool = False) -> Path:
    """Embed every published passage and make the result the live index. Returns its folder.

    An unchanged knowledge base reuses the folder already built for it, unless `force`.
    """
    started = time.perf_counter()
    documents = document_list()
    passages = [p for d in documents for p in document_passages(d)]
    content_hashes = {
        d.slug: hashlib.sha256(f"{d.title}\n{d.body}".encode()).hexdigest()[:16] for d in documents
    }
    encoder = encoder_get()
    version = hashlib.sha256(
        json.dumps([encoder.variant, sorted(content_hashes.items())]).encode()
    ).hexdigest()[:12]
    root = index_root()
    root.mkdir(parents=True, exist_ok=True)
    folder = root / f"v-{version}"
    if force:
        shutil.rmtree(folder, ignore_errors=True)
    if not (folder / "manifest.json").exists():
        texts = [t for p in passages for t in _passage_texts(p)]
        vectors = encoder.encode(texts) if texts else np.zeros((0, DIMENSION), dtype=np.float32)
        index = faiss.IndexFlatIP(DIMENSION)
        index.add(vectors)
        staging = Path(tempfile.mkdtemp(prefix=".building-", dir=root))
        faiss.write_index(index, str(staging / "index.faiss"))
        (staging / "passages.json").write_text(json.dumps([asdict(p) for p in passages], indent=1))
        manifest = {
            "version": version,
            "model": MODEL_NAME,
            "encoder": encoder.variant,
            "dimension": DIMENSION,
            "documents": content_hashes,
            "passages": len(passages),
            "vectors": int(index.ntotal),
            "built_at": timezone.now().isoformat(),
            "build_seconds": round(time.perf_counter() - started, 3),
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=1))
        try:
            staging.rename(folder)
        except OSError:  # another process built the same version meanwhile
            shutil.rmtree(staging, ignore_errors=True)
    _point_current_at(folder)
    log.info("knowledge index %s is live (%d passages)", version, len(passages))
    return folder


def _point_current_at(folder: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".current-", dir=folder.parent)
    with os.fdopen(fd, "w") as handle:
        handle.write(folder.name)
    os.replace(tmp, folder.parent / "CURRENT")


class _LiveIndex:
    """This process's copy of the live index, re-read when CURRENT changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._index: KnowledgeIndex | None = None
        self._checked_at = 0.0

    def get(self) -> KnowledgeIndex:
        now = time.monotonic()
        if self._index is not None and now - self._checked_at < settings.RAG_RELOAD_CHECK_SECONDS:
            return self._index
        with self._lock:
            self._checked_at = now
            current = index_root() / "CURRENT"
            if not current.exists():
                index_build()
            name = current.read_text().strip()
            if self._index is None or f"v-{self._index.version}" != name:
                self._index = KnowledgeIndex.load(index_root() / name)
                log.info("loaded knowledge index %s", self._index.version)
            return self._index

    def forget(self) -> None:
        with self._lock:
            self._index = None
            self._checked_at = 0.0


live_index = _LiveIndex()


def index_get() -> KnowledgeIndex:
    return live_index.get()
