"""Exemplar embeddings kept between trainings, per encoder.

Training a router embeds every exemplar (about 9,000 English ones with MiniLM, 8 s here; 20,000 in eight
languages with the multilingual encoder, 14 s). A retrain after ops labelled a few messages, or after one
exemplar file changed, needs only the texts this encoder has not embedded before: the rest come from
DATA_DIR/embeddings/<encoder variant>.npz, written by the previous training. The file holds the texts of
the last training only (an exemplar deleted leaves it on the next one), so it never grows past the
exemplars. A first training (a fresh clone) embeds everything, as before.

Vectors from the file are the ones the previous training computed; embedding the same texts again in
other batches gives vectors within rounding of them (the English int8 encoder's activations depend a
little on the batch).
"""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np
from django.conf import settings

from rag.kept import npz_replace

log = logging.getLogger(__name__)

# Up to this many new texts are embedded one by one: the English encoder's int8 vectors depend a little on the
# batch, and a labelled message then teaches the router the very vector it gets when it arrives again.
ONE_AT_A_TIME = 200


def _file(variant: str) -> Path:
    return settings.DATA_DIR / "embeddings" / f"{variant}.npz"


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _saved(path: Path) -> dict[str, np.ndarray]:
    if not path.exists():
        return {}
    try:
        with np.load(path) as saved:
            return dict(zip(saved["keys"].tolist(), saved["vectors"]))
    except (OSError, ValueError, KeyError):  # unreadable: embedded again, and the file rewritten
        log.warning("exemplar embeddings in %s could not be read; embedding every exemplar", path)
        return {}


def exemplars_embedded(encoder, texts: list[str]) -> np.ndarray:  # type: ignore[no-untyped-def]
    """`encoder.encode(texts)`, with the texts the previous training embedded taken from its file."""
    path = _file(encoder.variant)
    known = _saved(path)
    keys = [_key(text) for text in texts]
    missing = {key: text for key, text in zip(keys, texts) if key not in known}
    if len(missing) > ONE_AT_A_TIME:
        # Many new (a first training): all texts in one go, in the exemplars' order, as training always did, so the
        # same exemplars give the very same vectors (the English encoder's batches matter, a little).
        vectors = encoder.encode(texts).astype(np.float32)
        known.update(zip(keys, vectors))
    else:  # a few new texts (ops labels, an edited line): each as a message is embedded when it arrives
        known.update((key, encoder.encode_one(text)) for key, text in missing.items())
        vectors = np.stack([known[key] for key in keys]).astype(np.float32)
    log.info("exemplar embeddings (%s): %d new of %d", encoder.variant, len(missing), len(set(keys)))
    _save(path, sorted(set(keys)), known)
    return vectors


def embeddings_known(encoder, texts: list[str], *, batch_size: int = 64) -> np.ndarray:  # type: ignore[no-untyped-def]
    """`encoder.encode(texts)`, taking the vectors of texts the last training embedded from its file and leaving
    the file as it is (labelling the exemplars for the device reads the very texts the multilingual router
    was trained on: 20,000 vectors not computed twice)."""
    known = _saved(_file(encoder.variant))
    keys = [_key(text) for text in texts]
    missing = sorted({index for index, key in enumerate(keys) if key not in known})
    vectors = np.zeros((len(texts), encoder.dimension), dtype=np.float32)
    if missing:
        vectors[missing] = encoder.encode([texts[index] for index in missing], batch_size=batch_size)
    for index, key in enumerate(keys):
        if key in known:
            vectors[index] = known[key]
    return vectors


def _save(path: Path, keys: list[str], known: dict[str, np.ndarray]) -> None:
    try:  # whole, or not at all: another process may be reading it
        npz_replace(path, keys=np.array(keys), vectors=np.stack([known[key] for key in keys]).astype(np.float32))
    except OSError:
        log.warning("could not keep the exemplar embeddings in %s", path, exc_info=True)
