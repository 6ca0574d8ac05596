"""The knowledge index: built with a manifest, searched, swapped when articles change."""
from __future__ import annotations

import json

import pytest

from rag.documents import document_parse, document_passages
from rag.encoder import encoder_get
from rag.index import index_build, index_get, live_index

pytestmark = pytest.mark.django_db(transaction=True)


def test_documents_are_chunked_by_heading_with_anchored_sources():
    document = document_parse(slug="returns", markdown="# Returns\n\nIntro text.\n\n## How long?\n\n30 days.\n\n## Costs?\n\nFree.")
    passages = document_passages(document)
    assert [p.heading for p in passages] == ["Returns", "How long?", "Costs?"]
    assert passages[1].as_source() == {"title": "Returns: How long?", "url": "/help/returns/#how-long"}


def test_the_index_has_a_manifest_and_finds_the_right_passage(local_models):
    folder = index_build()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["model"] == "all-MiniLM-L6-v2" and manifest["dimension"] == 384
    assert "refund-policy" in manifest["documents"] and manifest["vectors"] == 2 * manifest["passages"]
    hits = index_get().search(encoder_get().encode_one("how many days do I have to send something back?"), k=3)
    assert hits[0].passage.slug == "returns-and-exchanges"


def test_a_new_article_is_indexed_and_swapped_in(local_models, settings):
    from rag.models import KnowledgeArticle

    settings.RAG_RELOAD_CHECK_SECONDS = 0.1
    before = index_get().version
    KnowledgeArticle.objects.create(
        slug="click-and-collect", title="Click and collect",
        body="## Can I pick up my order in the Amsterdam showroom?\n\nYes: choose click and collect at checkout and "
             "pick it up at our Amsterdam showroom on Herengracht from the next business day.",
    )
    index_build()  # what the background task runs
    live_index._checked_at = 0
    after = index_get()
    assert after.version != before
    hits = after.search(encoder_get().encode_one("can I collect my parcel at your showroom?"), k=1)
    assert hits[0].passage.slug == "click-and-collect"
    KnowledgeArticle.objects.all().delete()
    index_build()


def test_changing_an_article_queues_a_background_rebuild(monkeypatch, django_capture_on_commit_callbacks):
    from rag import tasks
    from rag.models import KnowledgeArticle

    queued = []
    monkeypatch.setattr(tasks.knowledge_index_rebuild, "delay", lambda: queued.append("rebuild"))
    with django_capture_on_commit_callbacks(execute=True):
        KnowledgeArticle.objects.create(slug="x", title="X", body="## Q?\n\nA.")
    assert queued == ["rebuild"]
