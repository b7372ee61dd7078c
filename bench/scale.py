"""Scale probe, run as a child process so its memory is its own:

    python -m bench.scale --n 100000 --path DIR        # embedded PersistentClient
    python -m bench.scale --n 100000 --url URL         # a Chroma server (HttpClient)

Writes N synthetic chunks (random unit vectors, dim 384, a short text and source
metadata each) straight into a cosine collection, then times queries with n_results=20
(what the retriever asks for). Prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from urllib.parse import urlparse

import numpy as np

DIM = 384
N_RESULTS = 20


def unit_vectors(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v


def client(path: str | None, url: str | None):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if url:
        u = urlparse(url)
        return chromadb.HttpClient(host=u.hostname, port=u.port, settings=settings)
    return chromadb.PersistentClient(path=path, settings=settings)


def rss_mb() -> float:
    import resource

    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run(n: int, queries: int, path: str | None, url: str | None, seed: int = 7) -> dict:
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    c = client(path, url)
    col = c.get_or_create_collection("scale-passages", metadata={"hnsw:space": "cosine"},
                                     embedding_function=None)
    batch = min(5000, int(c.get_max_batch_size()))
    open_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for start in range(0, n, batch):
        m = min(batch, n - start)
        ids = [f"syn-{i:07d}" for i in range(start, start + m)]
        col.add(ids=ids, embeddings=unit_vectors(rng, m),
                documents=[f"Synthetic passage {i} about treatment, trials and safety." for i in range(start, start + m)],
                metadatas=[{"source_id": f"source-{i % 500}", "section": "Results", "position": i % 100}
                           for i in range(start, start + m)])
    build_s = time.perf_counter() - t0
    count = col.count()
    rss_after_build = rss_mb()

    qs = unit_vectors(rng, queries + 20)
    for q in qs[:20]:  # warm-up: first queries load the index segments
        col.query(query_embeddings=[q], n_results=N_RESULTS, include=["distances"])
    lat = []
    for q in qs[20:]:
        t = time.perf_counter()
        got = col.query(query_embeddings=[q], n_results=N_RESULTS, include=["distances"])
        lat.append(time.perf_counter() - t)
        assert len(got["ids"][0]) == N_RESULTS
    return {
        "mode": "server" if url else "embedded",
        "n_chunks": count,
        "batch": batch,
        "open_s": open_s,
        "build_s": build_s,
        "query_s": lat,
        "rss_after_build_mb": rss_after_build,
        "rss_after_queries_mb": rss_mb(),
    }


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    ap = argparse.ArgumentParser(prog="python -m bench.scale")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=300)
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--path")
    where.add_argument("--url")
    args = ap.parse_args(argv)
    out = run(args.n, args.queries, args.path, args.url)
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
