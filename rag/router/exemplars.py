"""The router's training data: exemplars the team wrote for Example Shoppe."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from django.conf import settings

from rag.router.policy import INTENT_ROUTES


def exemplar_files(folder: Path | None = None, *, chat: bool = False) -> list[Path]:
    """`<intent>.txt` files: the short English questions at the top and the English chat-style
    messages under `chat/en/` (the English router's); with `chat` the chat-style messages of
    every language under `chat/<lang>/` (the multilingual router's)."""
    folder = Path(folder or settings.RAG_EXEMPLARS_DIR)
    return sorted(folder.glob("*.txt")) + sorted(folder.glob("chat/*/*.txt" if chat else "chat/en/*.txt"))


def exemplar_lines(path: Path) -> list[str]:
    """The messages of one exemplar file; `#` lines are comments."""
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def exemplar_load(folder: Path | None = None, *, chat: bool = False) -> list[tuple[str, str]]:
    """(text, intent) pairs from the exemplar files; `#` lines are comments."""
    pairs: list[tuple[str, str]] = []
    for path in exemplar_files(folder, chat=chat):
        intent = path.stem
        if intent not in INTENT_ROUTES:
            raise ValueError(f"{path.name}: {intent!r} is not an intent in rag/router/policy.py")
        pairs += [(line, intent) for line in exemplar_lines(path)]
    return pairs


def exemplars_fingerprint(folder: Path | None = None, *, chat: bool = False) -> str:
    """A hash of the training texts: an artifact trained on other texts is stale."""
    digest = hashlib.sha256()
    root = Path(folder or settings.RAG_EXEMPLARS_DIR)
    for path in exemplar_files(root, chat=chat):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def shop_vocabulary() -> frozenset[str]:
    """Every word the shop's own texts use: names in it are ours, not another company's."""
    from rag.documents import document_list
    from rag.router.policy import OFF_TOPIC

    texts = [text for text, intent in exemplar_load() if intent != OFF_TOPIC]
    texts += [f"{d.title} {d.body}" for d in document_list()]
    return frozenset(w.lower() for t in texts for w in re.findall(r"[\w&'’-]+", t))
