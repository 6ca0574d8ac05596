"""The FAISS index over help passages: built, saved with a manifest, loaded and hot-swapped.

Layout under DATA_DIR/index/: one folder per version (`v-<content hash>/` holding
`index.faiss`, `passages.json`, `manifest.json`) and a `CURRENT` file naming the live
one. That is the English help centre, embedded with the English encoder (MiniLM); each of the
other languages the help centre is written in has the same layout under DATA_DIR/index/<lang>/,
embedded with the multilingual encoder the router reads those languages with, so a Dutch
message is searched in the Dutch pages with the vector its routing already computed; and
DATA_DIR/index/en-multilingual/ holds the English pages embedded with that encoder, for the
languages the help centre is not written in.

A rebuild writes a new folder, then replaces `CURRENT` atomically; every process
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

from rag.documents import ENGLISH, HELP_LANGUAGES, Passage, document_list, document_passages
from rag.words import SharedWords
from rag.encoder import MULTILINGUAL_VARIANT, encoder_get, encoder_model

log = logging.getLogger(__name__)
faiss.omp_set_num_threads(1)  # small searches are slower with more threads on 2 cores


# The English pages embedded with the multilingual encoder: what a message in a language the help centre is not
# written in is answered from (Italian, Polish and Portuguese until session 34), and what the answer check reads
# English messages against (rag/answerability.py), searched with the vector routing computed. The
# English index's MiniLM reads those languages poorly: on the own held-out sets it chose the section the native
# page would for 67 of 204 Dutch, German, French and Spanish help questions, this index for 145 (session 16).
ENGLISH_READ_MULTILINGUAL = "en-multilingual"
VECTORS_PER_PASSAGE = 2  # its heading and its whole text (`_passage_texts`), one after the other
INDEX_LANGUAGES = (ENGLISH, *HELP_LANGUAGES, ENGLISH_READ_MULTILINGUAL)


def index_root(language: str = ENGLISH) -> Path:
    root = settings.DATA_DIR / "index"
    return root if language == ENGLISH else root / language


def _pages_language(language: str) -> str:
    """The language of the pages an index holds."""
    return ENGLISH if language == ENGLISH_READ_MULTILINGUAL else language


def index_encoder_kind(language: str) -> str | None:
    """The encoder a language's index is built with: None is RAG_ENCODER (English)."""
    from rag.router.multilingual_model import ENCODER

    return None if language == ENGLISH else ENCODER


def _model_of(language: str) -> tuple[str, int]:
    """The model and dimension an index of `language` is built with (RAG_ENCODER's for English), without loading it."""
    return encoder_model(index_encoder_kind(language))


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
        # The vectors as one matrix: ranking every passage is one product, not a loop over search results.
        self._vectors = index.reconstruct_n(0, index.ntotal) if index.ntotal else np.zeros((0, index.d), np.float32)
        self._rows_of: dict[tuple[str, ...], np.ndarray] = {}
        self._row_of_anchor: dict[str, int] | None = None
        # The passages' words weighed by rarity (rag/words.py): a few milliseconds for the whole help centre.
        self.shared_words = SharedWords(_passage_texts(p)[1] for p in passages)

    @property
    def version(self) -> str:
        return self.manifest["version"]

    @property
    def language(self) -> str:
        return self.manifest.get("language", ENGLISH)

    def fits(self, vector: np.ndarray | None) -> bool:
        """Whether `vector` comes from the encoder this index was built with (the English index:
        the English router's vectors; another language's: the multilingual router's)."""
        return vector is not None and vector.shape[-1] == self.index.d

    def passage_scores(self, vector: np.ndarray) -> np.ndarray:
        """Each passage's similarity to unit-length `vector`: the better of its two vectors (heading, text)."""
        similarities = self._vectors @ np.asarray(vector, dtype=np.float32).reshape(-1)
        return similarities.reshape(len(self.passages), VECTORS_PER_PASSAGE).max(axis=1)

    def search(self, vector: np.ndarray, *, k: int = 3) -> list[Hit]:
        """The `k` passages most like `vector`, best first."""
        if not self.passages:
            return []
        scores = self.passage_scores(vector)
        best = np.argsort(-scores, kind="stable")[:k]
        return [Hit(self.passages[i], float(scores[i])) for i in best]

    def row_of(self, url: str) -> int | None:
        """The row of the passage `url` points at ("/nl/help/invoices/#anchor"; any language prefix)."""
        if self._row_of_anchor is None:
            self._row_of_anchor = {p.url.split("/help/", 1)[1]: row for row, p in enumerate(self.passages)}
        return self._row_of_anchor.get(url.split("/help/", 1)[-1])

    def passage_vectors(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        """(heading, whole text) vectors of the passage at `row`."""
        return self._vectors[VECTORS_PER_PASSAGE * row], self._vectors[VECTORS_PER_PASSAGE * row + 1]

    def passages_of(self, slugs: tuple[str, ...]) -> np.ndarray:
        """Row numbers of the passages of the pages `slugs`."""
        rows = self._rows_of.get(slugs)
        if rows is None:
            rows = self._rows_of[slugs] = np.array(
                [i for i, p in enumerate(self.passages) if p.slug in slugs], dtype=np.int64)
        return rows

    @classmethod
    def load(cls, folder: Path) -> KnowledgeIndex:
        manifest = json.loads((folder / "manifest.json").read_text())
        if (manifest["model"], manifest["dimension"]) != _model_of(manifest.get("language", ENGLISH)):
            raise ValueError(f"index in {folder} was built for {manifest['model']}/{manifest['dimension']}")
        passages = [Passage(**p) for p in json.loads((folder / "passages.json").read_text())]
        return cls(passages=passages, index=faiss.read_index(str(folder / "index.faiss")), manifest=manifest)


def _passage_texts(passage: Passage) -> tuple[str, str]:
    return passage.heading, f"{passage.title}. {passage.heading}\n{passage.text}"


def index_build(*, force: bool = False) -> Path:
    """Embed every published passage, in every language, and make the results the live indexes.

    Returns the English index's folder. An unchanged knowledge base reuses the folders already
    built for it, unless `force`.
    """
    folders = index_build_all(force=force)
    return folders[ENGLISH]


def index_build_all(*, force: bool = False) -> dict[str, Path]:
    """Each language's index built (or reused) and made live: {language: folder}."""
    return {language: index_build_language(language, force=force) for language in INDEX_LANGUAGES}


def index_build_language(language: str, *, force: bool = False) -> Path:
    """Embed the passages of the help centre in `language` and make the result its live index."""
    started = time.perf_counter()
    documents = document_list(_pages_language(language))
    passages = [p for d in documents for p in document_passages(d)]
    content_hashes = {
        d.slug: hashlib.sha256(f"{d.title}\n{d.body}".encode()).hexdigest()[:16] for d in documents
    }
    model_name, dimension = _model_of(language)
    if language == ENGLISH:
        encoder = encoder_get()
        identity = [encoder.variant, sorted(content_hashes.items())]
    else:  # the multilingual encoder is loaded only when there is something to embed
        encoder = None
        identity = [MULTILINGUAL_VARIANT, sorted(content_hashes.items()), language]
    version = hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:12]
    root = index_root(language)
    root.mkdir(parents=True, exist_ok=True)
    folder = root / f"v-{version}"
    if force:
        shutil.rmtree(folder, ignore_errors=True)
    if not (folder / "manifest.json").exists():
        encoder = encoder or encoder_get(index_encoder_kind(language))
        texts = [t for p in passages for t in _passage_texts(p)]
        vectors = encoder.encode(texts) if texts else np.zeros((0, dimension), dtype=np.float32)
        index = faiss.IndexFlatIP(dimension)
        index.add(vectors)
        staging = Path(tempfile.mkdtemp(prefix=".building-", dir=root))
        faiss.write_index(index, str(staging / "index.faiss"))
        (staging / "passages.json").write_text(json.dumps([asdict(p) for p in passages], indent=1))
        manifest = {
            "version": version,
            "language": language,
            "model": model_name,
            "encoder": identity[0],
            "dimension": dimension,
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
    log.info("knowledge index %s (%s) is live (%d passages)", version, language, len(passages))
    return folder


def _point_current_at(folder: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".current-", dir=folder.parent)
    with os.fdopen(fd, "w") as handle:
        handle.write(folder.name)
    os.replace(tmp, folder.parent / "CURRENT")


class _LiveIndex:
    """This process's copy of one language's live index, re-read when its CURRENT changes."""

    def __init__(self, language: str = ENGLISH) -> None:
        self.language = language
        self._lock = threading.Lock()
        self._index: KnowledgeIndex | None = None
        self._checked_at = 0.0
        # The other languages' copies, kept by the English one (`live_index`) so that forgetting it forgets them.
        self._others: dict[str, _LiveIndex] = {}

    def of(self, language: str) -> _LiveIndex:
        if language == self.language:
            return self
        with self._lock:
            return self._others.setdefault(language, _LiveIndex(language))

    def get(self) -> KnowledgeIndex:
        now = time.monotonic()
        if self._index is not None and now - self._checked_at < settings.RAG_RELOAD_CHECK_SECONDS:
            return self._index
        with self._lock:
            self._checked_at = now
            current = index_root(self.language) / "CURRENT"
            if not current.exists():
                index_build_language(self.language)
            name = current.read_text().strip()
            if self._index is None or f"v-{self._index.version}" != name:
                self._index = KnowledgeIndex.load(index_root(self.language) / name)
                log.info("loaded knowledge index %s (%s)", self._index.version, self.language)
            return self._index

    @property
    def loaded(self) -> KnowledgeIndex | None:
        """The index this process has read so far, without reading or checking it (None before the first `get`)."""
        return self._index

    def forget(self) -> None:
        with self._lock:
            self._index = None
            self._checked_at = 0.0
            others = list(self._others.values())
        for other in others:
            other.forget()


live_index = _LiveIndex()


def index_get(language: str = ENGLISH) -> KnowledgeIndex:
    """The live index of the help centre in `language` (English for a language it is not written in), or
    ENGLISH_READ_MULTILINGUAL's."""
    return live_index.of(language if language in INDEX_LANGUAGES else ENGLISH).get()
