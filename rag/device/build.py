"""Building the device assistant: distil, train, choose passages, export (`train_router` runs it)."""
from __future__ import annotations

import json
import logging

from rag.device.distil import device_scope, passage_agreement, passages_chosen, server_views
from rag.device.manifest import device_dir, device_export, device_export_current, device_manifest, device_model_current
from rag.device.passages import BUNDLE_LANGUAGES, help_questions, page_ids_forget, passage_bundle
from rag.device.training import Transfer, student_train
from rag.router.languages import LANGUAGES

log = logging.getLogger(__name__)


def device_build(*, if_stale: bool = False, extra: list[tuple[str, str]] | None = None) -> dict | None:
    """Train the student on the exemplars (and `extra` labelled messages) and export it; the new manifest.

    With `if_stale`, nothing is done (None) when the export was built from today's exemplars,
    routers and help index, and only the passage bundles are rebuilt when just the help index changed
    (a staff article edited).
    """
    from rag.router.exemplars import exemplar_load
    from rag.router.policy import INTENT_ROUTES

    if if_stale and device_export_current():
        return None
    if if_stale and device_model_current():
        return device_passages_refresh()
    from rag.router.serving import router_reset

    router_reset()  # the routers `train_router` may just have saved, not this process's older copies
    pairs = exemplar_load(chat=True) + [(t, i) for t, i in (extra or []) if i in INTENT_ROUTES]
    texts = [text for text, _ in pairs]
    scope = frozenset(device_scope())
    views = server_views(texts, scope=scope)
    chosen = passages_chosen(views, scope=scope)
    # The help centre's own questions (its headings, in every language), labelled by the server as well: on
    # held-out exemplars they raised the answers at the same agreement from 47 to 71.
    questions = help_questions()
    transfer = Transfer(questions, server_views(questions, scope=scope))
    student, report = student_train(texts, views, scope, transfer=transfer)
    report["passage_agreement"] = passage_agreement(views, chosen, scope=scope)
    student.meta["passages"] = chosen
    # The intents it may answer: the scope without the twin intents the training left to the server.
    manifest = device_export(model_json=student.to_json(), bundles=_bundles(chosen), intents=student.classes[:-1],
                             languages=list(LANGUAGES), report=report)
    log.info("device assistant %s exported: %s", manifest["version"], report)
    return manifest


def _bundles(chosen: dict[str, str]) -> dict[str, dict]:
    from support.services.answers import ENGLISH_ONLY_NOTES

    page_ids_forget()  # the help pages as they are now (a staff article may have changed)
    bundles = {language: passage_bundle(language, chosen) for language in BUNDLE_LANGUAGES}
    bundles["en"]["notes"] = ENGLISH_ONLY_NOTES  # it, pl, pt: the English passage opened with their line
    return bundles


def device_passages_refresh() -> dict:
    """The help centre changed, not the exemplars or routers: the same model with new passage bundles
    (seconds, not minutes), under a new version."""
    manifest = device_manifest()
    model_json = (device_dir() / manifest["model"]["file"]).read_text()
    chosen = json.loads(model_json)["meta"]["passages"]
    refreshed = device_export(model_json=model_json, bundles=_bundles(chosen), intents=manifest["intents"],
                              languages=manifest["languages"], report=manifest["report"])
    log.info("device assistant %s: passages refreshed for the help centre", refreshed["version"])
    return refreshed
