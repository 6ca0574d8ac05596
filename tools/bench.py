"""`make bench` (`python -m tools.bench`): how fast the local tier is on this machine.

Latency percentiles are PERCENTILE_CONT (interpolated), the ops dashboard's definition.
"""
from __future__ import annotations

import argparse
import resource
import time
from concurrent.futures import ThreadPoolExecutor

from shoppe.percentiles import percentile_cont
from tools.django_setup import django_start

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
    knowledge_answer(intent=decision.intent, vector=decision.vector, text=text, meaning=decision.meaning)
    return (time.perf_counter() - started) * 1000


def bench_run(*, rounds: int = 300, concurrent_messages: int = 2000, threads: int = 8) -> dict[str, float | None]:
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
        "route+answer p50 ms": percentile_cont(latencies, 0.50),
        "route+answer p95 ms": percentile_cont(latencies, 0.95),
        f"throughput msgs/s ({threads} threads)": throughput,
        "process memory MB (max RSS)": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "index build s": build_seconds,
        "start-up s (encoder+router+index)": start_up,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=(
        "Measure the local tier: latency, throughput, memory, index build and start-up time."))
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    options = parser.parse_args(argv)
    django_start()
    figures = bench_run(rounds=options.rounds, concurrent_messages=options.messages, threads=options.threads)
    for name, value in figures.items():
        print(f"{name}: {value:.2f}")


if __name__ == "__main__":
    main()
