"""The knowledge index: built with a manifest, searched, swapped when articles change."""
from __future__ import annotations

import json

import numpy as np
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
    # The opening section is headed with the page's title: named once, not "Returns: Returns"
    assert passages[0].as_source() == {"title": "Returns", "url": "/help/returns/#returns"}


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


def test_the_direct_onnx_path_gives_the_same_vectors_as_sentence_transformers(local_models):
    encoder = encoder_get()
    assert encoder._direct is not None, "the default encoder is ONNX and takes the direct path"
    texts = ["hi", "where is my order 10023?", "I ordered a blue lamp last week and it arrived broken, what now? " * 12]
    direct = encoder.encode(texts)
    pipeline = encoder._model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    assert direct.shape == (3, 384) and direct.dtype == np.float32
    assert np.abs(direct - pipeline).max() < 1e-5  # the long one is truncated the same way, too
    # alone, too (int8 scales depend on the batch, so alone is compared with alone)
    for text in texts:
        alone = encoder._model.encode([text], normalize_embeddings=True, convert_to_numpy=True)[0]
        assert np.abs(encoder.encode_one(text) - alone).max() < 1e-5


def ask_from_threads(encoder, texts: list[str], *, threads: int, timeout: float = 60) -> list:
    """Each text through `encode_one`, from several daemon threads at once; fails (never hangs) if one is forgotten."""
    import threading
    import time

    vectors: dict[int, object] = {}

    def ask(offset: int) -> None:
        for n in range(offset, len(texts), threads):
            vectors[n] = encoder.encode_one(texts[n])

    workers = [threading.Thread(target=ask, args=(offset,), daemon=True) for offset in range(threads)]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + timeout
    for worker in workers:
        worker.join(max(0.0, deadline - time.monotonic()))
    assert len(vectors) == len(texts), f"{len(texts) - len(vectors)} questions never got their vector"
    return [vectors[n] for n in range(len(texts))]


def test_many_threads_asking_at_once_each_get_their_own_vector(local_models):
    encoder = encoder_get()
    things = ["lamp", "sofa", "rug", "kettle", "mirror", "duvet", "bookcase", "vase", "stool", "curtains",
              "teapot", "armchair", "candle", "wardrobe", "cushion", "desk", "blender", "frame", "basket", "clock"]
    asks = ["where is my {}?", "how do I return the {}", "is the {} in stock", "my {} arrived broken",
            "what does the {} cost to ship to Norway", "can I pay for the {} with PayPal", "the {} is the wrong colour",
            "how long is the warranty on the {}", "I want to review the {}", "cancel the {} from my order"]
    texts = [ask.format(thing) for ask in asks for thing in things]
    vectors = np.stack(ask_from_threads(encoder, texts, threads=8))  # callers queue while one runs the model
    alone = np.stack([encoder.encode([text])[0] for text in texts])
    similarity = vectors @ alone.T
    # Each caller got its own text's vector: nearer to it than to any other text's. (Not bit for
    # bit: int8 activation scales vary a little with what else is in the batch.)
    assert (similarity.argmax(axis=1) == np.arange(len(texts))).all()
    assert similarity.diagonal().min() > 0.97


def test_questions_asked_while_a_long_batch_holds_the_model_are_answered(local_models):
    """An index rebuild embeds thousands of passages; the chat's questions queue meanwhile and are served after it."""
    import threading
    import time

    encoder = encoder_get()
    rebuild = threading.Thread(target=encoder.encode, args=([f"passage number {n} about delivery" for n in range(3000)],),
                               daemon=True)
    rebuild.start()
    time.sleep(0.3)  # the rebuild holds the model now
    vectors = ask_from_threads(encoder, [f"question {n}" for n in range(8)], threads=4)
    rebuild.join(60)
    assert all(v.shape == (384,) for v in vectors)


def test_a_question_is_answered_on_the_other_core_while_a_long_batch_runs(local_models, settings):
    """MiniLM calls run side by side, one per core (RAG_ENCODER_RUNNERS): a chat question does not wait for an index
    rebuild that holds one runner, and routing under load is not queued behind a single core."""
    import threading

    from rag.encoder import Encoder

    settings.RAG_ENCODER_RUNNERS = 2
    encoder = Encoder("onnx-int8")  # runners are set when an encoder loads
    rebuild = threading.Thread(target=encoder.encode, args=([f"passage number {n} about delivery" for n in range(4000)],),
                               daemon=True)
    rebuild.start()
    vector = encoder.encode_one("where is my order?")
    assert rebuild.is_alive()  # answered before the rebuild let its runner go
    rebuild.join(120)
    assert np.abs(vector - encoder_get().encode_one("where is my order?")).max() < 1e-5


def test_every_passage_is_scored_by_the_better_of_its_heading_and_its_text(local_models):
    """`passage_scores` ranks the whole help centre in one product: the same as faiss's search, per passage."""
    index = index_get()
    vector = encoder_get().encode_one("can I pay with a gift card?")
    similarities, ids = index.index.search(vector.reshape(1, -1), index.index.ntotal)
    best: dict[int, float] = {}
    for similarity, vector_id in zip(similarities[0], ids[0]):
        best[int(vector_id) // 2] = max(best.get(int(vector_id) // 2, -1.0), float(similarity))
    scores = index.passage_scores(vector)
    assert len(scores) == len(index.passages) == len(best)
    assert all(abs(scores[row] - similarity) < 1e-5 for row, similarity in best.items())
    assert [hit.passage for hit in index.search(vector, k=3)] == [index.passages[i] for i in np.argsort(-scores)[:3]]


def test_a_restarted_process_runs_the_saved_model_without_sentence_transformers_and_gets_the_same_vectors(local_models):
    """The first load saves what the direct path needs (rag/encoder.py `_DirectOnnx.save`); a new process
    then starts the encoder without importing sentence-transformers, transformers or PyTorch (about 5 s of
    every server's start) and gets the vectors the pipeline gives."""
    import subprocess
    import sys

    from django.conf import settings

    encoder = encoder_get()
    texts = ["hi", "where is my order 10023?", "Wo ist meine Bestellung?", "my lamp arrived broken, what now? " * 40]
    script = (
        "import json, sys, django; django.setup()\n"
        "from rag.encoder import encoder_get\n"
        "encoder = encoder_get()\n"
        "vectors = [encoder.encode_one(t).tolist() for t in json.loads(sys.argv[1])]\n"
        "print(json.dumps({'variant': encoder.variant, 'vectors': vectors,\n"
        "                  'imported': [m for m in ('sentence_transformers', 'transformers', 'torch') if m in sys.modules]}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script, json.dumps(texts)], capture_output=True, text=True, timeout=120,
                          cwd=settings.BASE_DIR)
    assert done.returncode == 0, done.stderr[-2000:]
    restarted = json.loads(done.stdout.strip().splitlines()[-1])
    assert restarted["imported"] == []
    assert restarted["variant"] == encoder.variant
    for text, vector in zip(texts, restarted["vectors"]):
        alone = encoder._model.encode([text], normalize_embeddings=True, convert_to_numpy=True)[0]
        assert np.abs(np.array(vector, dtype=np.float32) - alone).max() < 1e-5


def test_with_rag_encoder_use_m3_the_english_index_is_built_with_the_multilingual_encoder(local_models, settings,
                                                                                          tmp_path):
    """RAG_ENCODER=use-m3 (one embedding for every message: README "One learned router") builds the English help index
    with USE's 512 dimensions; it stopped on MiniLM's 384 before."""
    from rag.index import KnowledgeIndex, index_build_language

    settings.DATA_DIR = tmp_path
    settings.RAG_ENCODER = "use-m3"
    folder = index_build_language("en")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["dimension"] == 512 and manifest["model"] == encoder_get("use-m3").model_name
    index = KnowledgeIndex.load(folder)
    hits = index.search(encoder_get("use-m3").encode_one("how many days do I have to send something back?"), k=3)
    assert hits[0].passage.slug == "returns-and-exchanges"
