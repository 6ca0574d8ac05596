"""`make bench`: how fast the local tier is on this machine."""
from __future__ import annotations

import resource
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

ROUTINE = [
    "where is my order?", "how long does delivery take to Germany?", "which payment methods do you accept?",
    "how do I return a lamp?", "I forgot my password", "can I get an invoice for my order?",
    "do you ship to Norway?", "how do I unsubscribe from the newsletter?", "is there a fee to cancel?",
    "how do I change my delivery address?",
]


def _answer_one(text: str) -> float:
    from rag.router.serving import router_get
    from support.services.answers import knowledge_answer

    started = time.perf_counter()
    decision = router_get().decide(text)
    knowledge_answer(intent=decision.intent, vector=decision.vector, text=text)
    return (time.perf_counter() - started) * 1000


def bench_run(*, rounds: int = 300, concurrent_messages: int = 2000, threads: int = 8) -> dict[str, float]:
    from rag.encoder import encoder_get
    from rag.index import index_build, index_get
    from rag.router.serving import router_get

    started = time.perf_counter()
    encoder_get()
    router_get()
    index_get()
    start_up = time.perf_counter() - started
    built = time.perf_counter()
    index_build(force=True)
    build_seconds = time.perf_counter() - built
    for text in ROUTINE:
        _answer_one(text)
    latencies = sorted(_answer_one(ROUTINE[i % len(ROUTINE)]) for i in range(rounds))
    messages = [ROUTINE[i % len(ROUTINE)] for i in range(concurrent_messages)]
    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(_answer_one, messages))
    throughput = concurrent_messages / (time.perf_counter() - began)
    return {
        "route+answer p50 ms": statistics.median(latencies),
        "route+answer p95 ms": latencies[int(len(latencies) * 0.95) - 1],
        f"throughput msgs/s ({threads} threads)": throughput,
        "process memory MB (max RSS)": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "index build s": build_seconds,
        "start-up s (encoder+router+index)": start_up,
    }
