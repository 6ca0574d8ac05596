"""The exemplars nearest a message, for both routers: an HNSW graph over their vectors (faiss).

Each router reads a message's ten nearest exemplars (how similar the closest shop and off-topic
ones are). A flat search compared the message with every exemplar: 20,224 x 512 floats, 41 MB
of memory read per message, 1.7-3.1 ms, the largest single cost of a routine answer and the
bottleneck under load (memory bandwidth, not CPU). The graph visits a few hundred exemplars:
0.26 ms with `SEARCH_BREADTH` 128. Measured on 6,726 messages (the shared and own realistic
sets, the off-topic set, the English holdouts and a quarter of Bitext): the same route and the
same intent for every one as the flat search.

The graph is built when a router is trained, on one thread (faiss builds it in parallel
otherwise, and the order of insertions changes the graph), and saved in the router's arrays.
"""
from __future__ import annotations

import faiss
import numpy as np

LINKS = 32  # HNSW's M: links per exemplar in the graph
BUILD_BREADTH = 64  # efConstruction
SEARCH_BREADTH = 128  # efSearch: 64 missed the nearest exemplar for 0.5% of test queries, 128 for none
# A second, wider search where a decision hangs on which exemplar is nearest (rag/router/multilingual.py): 128 missed
# the nearest of 20,224 for a held-out message ("como peço o reembolso do IRS este ano"), 512 found it; 0.34 ms.
THOROUGH_BREADTH = 512


class ExemplarNeighbours:
    def __init__(self, index: faiss.IndexHNSWFlat) -> None:
        self.index = index
        self.index.hnsw.efSearch = SEARCH_BREADTH

    @classmethod
    def build(cls, vectors: np.ndarray) -> ExemplarNeighbours:
        """The graph over unit-length exemplar `vectors` (exemplars, dimension), built on one thread."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        index = faiss.IndexHNSWFlat(vectors.shape[1], LINKS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = BUILD_BREADTH
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            index.add(vectors)
        finally:
            faiss.omp_set_num_threads(threads)
        return cls(index)

    @classmethod
    def from_array(cls, saved: np.ndarray) -> ExemplarNeighbours:
        """The graph `as_array` gave, read back from the router's saved arrays."""
        return cls(faiss.deserialize_index(saved))

    def as_array(self) -> np.ndarray:
        """The graph as bytes, saved with the router's other arrays (one file, replaced at once)."""
        return faiss.serialize_index(self.index)

    def search(self, vector: np.ndarray, k: int, *, thorough: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Similarities and row numbers of the `k` exemplars nearest one unit-length `vector` (`thorough`: searched
        with THOROUGH_BREADTH instead of SEARCH_BREADTH)."""
        params = faiss.SearchParametersHNSW(efSearch=THOROUGH_BREADTH) if thorough else None
        sims, ids = self.index.search(np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1), k, params=params)
        return sims[0], ids[0]
