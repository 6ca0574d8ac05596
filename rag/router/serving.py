"""The router this process serves: trained first when its saved artifacts are missing or stale,
and reloaded when `train_router` saves new ones. English goes to the English router, every
other language to the multilingual one (`rag.router.decide.LanguageRouter`)."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

from rag.encoder import encoder_get
from rag.router.decide import IntentRouter, LanguageRouter
from rag.router.model import RouterModel
from rag.router.multilingual import MultilingualRouter
from rag.router.multilingual_model import ENCODER, MultilingualModel, multilingual_artifact_current, multilingual_train

_router: LanguageRouter | None = None
_router_lock = threading.Lock()
_router_stamp: tuple[float, float] = (0.0, 0.0)  # (artifact mtime, when it was last checked)


def _extra_exemplars() -> list[tuple[str, str]]:
    """Labelled messages from outside rag (ops' corrections), named by RAG_EXTRA_EXEMPLARS."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    return import_string(settings.RAG_EXTRA_EXEMPLARS)() if settings.RAG_EXTRA_EXEMPLARS else []


def router_get() -> LanguageRouter:
    """The process's router: trained first if the saved one is missing or stale, and
    reloaded when `train_router` saved a new one (checked every RAG_RELOAD_CHECK_SECONDS)."""
    global _router, _router_stamp
    from django.conf import settings

    from rag.router.model import artifact_dir, router_artifact_current, router_train

    now = time.monotonic()
    if _router is not None and now - _router_stamp[1] < settings.RAG_RELOAD_CHECK_SECONDS:
        return _router
    with _router_lock:
        saved = artifact_dir() / "router.npz"
        mtime = saved.stat().st_mtime if saved.exists() else 0.0
        if _router is None or mtime != _router_stamp[0]:
            model = RouterModel.load() if router_artifact_current() else router_train(extra=_extra_exemplars())
            _router = LanguageRouter(IntentRouter(model, encoder_get()), _multilingual_get(), routing_text())
            mtime = saved.stat().st_mtime if saved.exists() else 0.0
        _router_stamp = (mtime, now)
        return _router


def routers_trained_if_stale() -> list[Callable[[], None]]:
    """The trainings a start needs before `router_get` can load: each router's, when its artifact is missing
    or stale (a fresh clone, changed exemplars). Independent of each other, so a start runs them side by
    side with the help-centre index (shoppe/startup.py `rag_warm_up`)."""
    from django.conf import settings

    from rag.router.model import router_artifact_current, router_train

    def english() -> None:
        router_train(extra=_extra_exemplars())

    def multilingual() -> None:
        multilingual_train(extra=_extra_exemplars())

    jobs: list[Callable[[], None]] = []
    if not router_artifact_current():
        jobs.append(english)
    if settings.RAG_MULTILINGUAL and not multilingual_artifact_current():
        jobs.append(multilingual)
    return jobs


def routing_text() -> Callable[[str], str]:
    """How the router reads a message (RAG_ROUTING_TEXT, a dotted path; "" to read it as typed)."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    return import_string(settings.RAG_ROUTING_TEXT) if settings.RAG_ROUTING_TEXT else str


def _multilingual_get() -> MultilingualRouter | None:
    """The router for the shop's other languages (RAG_MULTILINGUAL), trained first if its artifact is stale."""
    from django.conf import settings

    if not settings.RAG_MULTILINGUAL:
        return None
    model = MultilingualModel.load() if multilingual_artifact_current() else multilingual_train(extra=_extra_exemplars())
    return MultilingualRouter(model, encoder_get(ENCODER))


def router_reset() -> None:
    global _router, _router_stamp
    with _router_lock:
        _router = None
        _router_stamp = (0.0, 0.0)
