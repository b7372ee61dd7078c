"""Ingest: corpus files -> validated documents -> passages -> embeddings -> a new index generation.

The second collection of a generation holds one vector per question a passage answers
(its heading and `also` phrasings), each pointing at its passage by chunk_id.

Incremental: a passage's id is its source id plus a hash of its content and source
metadata, so unchanged passages are copied from the active generation with their
stored vectors and only new or edited ones are embedded. Atomic: the manifest flips
to the new generation only after it is complete.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from bot.config import Settings
from bot.retrieval.chunk import chunk_document, embed_text, question_texts
from bot.retrieval.corpus import load_corpus
from bot.retrieval.store import Store, fetch_all
from bot.types import Passage

log = logging.getLogger(__name__)
BATCH = 1000


@dataclass
class IngestSummary:
    documents: int
    chunks: int
    added: int
    kept: int
    removed: int
    seconds: float
    corpus_hash: str
    generation: str
    unchanged: bool = False

    def line(self) -> str:
        state = " (unchanged: nothing embedded)" if self.unchanged else ""
        return (f"documents {self.documents}, chunks {self.chunks}: added {self.added}, "
                f"kept {self.kept}, removed {self.removed} in {self.seconds:.1f}s{state}")

    def to_dict(self) -> dict:
        return asdict(self)


def corpus_hash(passages: list[Passage], embedder_name: str) -> str:
    h = hashlib.sha256(embedder_name.encode())
    for pid in sorted(p.id for p in passages):
        h.update(pid.encode())
    return h.hexdigest()[:16]


def _progress(total: int, desc: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="text", disable=not enabled or total < 200, leave=False)


def ingest(settings: Settings, corpus_dir: Path | None = None, rebuild: bool = False,
           progress: bool = False) -> IngestSummary:
    """Bring the index in line with the corpus. Raises CorpusError before touching the store."""
    t0 = time.perf_counter()
    docs = load_corpus(corpus_dir or settings.corpus_dir)
    passages = [p for d in docs for p in chunk_document(d)]
    # The embedder's name is part of the hash, so switching models re-embeds everything;
    # reading it does not load the model.
    embedder_name = getattr(settings.embedder, "name", "all-MiniLM-L6-v2") if settings.embedder else "all-MiniLM-L6-v2"
    digest = corpus_hash(passages, embedder_name)
    log.info("loaded %d documents, %d passages", len(docs), len(passages))

    store = Store(settings)
    manifest = None if rebuild else store.manifest()
    if manifest and manifest.get("corpus_hash") == digest:
        store.drop_inactive()
        return IngestSummary(len(docs), len(passages), 0, len(passages), 0,
                             time.perf_counter() - t0, digest, manifest["generation"], unchanged=True)

    old_pas = old_sen = None  # the second collection holds the question vectors
    old_ids: set[str] = set()
    if manifest:
        _, old_pas, old_sen = store.active()
        old_ids = set(fetch_all(old_pas, include=[])["ids"])
    new_ids = {p.id for p in passages}
    keep = [p for p in passages if p.id in old_ids]
    fresh = [p for p in passages if p.id not in old_ids]
    removed = len(old_ids - new_ids)

    gen, pas_col, sen_col = store.new_generation()
    if keep:
        _copy(store, old_pas, pas_col, [p.id for p in keep], "id")
        _copy(store, old_sen, sen_col, [p.id for p in keep], "chunk_id")
    if fresh:
        _embed_into(settings, store, fresh, pas_col, sen_col, progress)
    store.activate(gen, {"corpus_hash": digest, "documents": len(docs), "chunks": len(passages),
                         "embedder": embedder_name})
    store.drop_inactive()
    summary = IngestSummary(len(docs), len(passages), len(fresh), len(keep), removed,
                            time.perf_counter() - t0, digest, gen)
    log.info("ingest: %s", summary.line())
    return summary


def _copy(store: Store, src, dst, chunk_ids: list[str], key: str) -> None:
    """Copy records (with their vectors) of the given passages from one generation to the next."""
    for i in range(0, len(chunk_ids), BATCH):
        part = chunk_ids[i:i + BATCH]
        if key == "id":
            got = store.call(src.get, ids=part, include=["embeddings", "documents", "metadatas"])
        else:
            got = store.call(src.get, where={key: {"$in": part}},
                              include=["embeddings", "documents", "metadatas"])
        if len(got["ids"]):
            store.call(dst.add, ids=got["ids"], embeddings=got["embeddings"],
                        documents=got["documents"], metadatas=got["metadatas"])


def _embed_into(settings: Settings, store: Store, fresh: list[Passage], pas_col, q_col,
                progress: bool) -> None:
    """Embed new passages (heading + text) and, in the second collection, each question the
    passage answers (heading and `also` phrasings): question-to-question matching is the
    strongest signal that a passage answers what was asked."""
    embedder = settings.get_embedder()
    n_q = sum(len(question_texts(p)) for p in fresh)
    bar = _progress(len(fresh) + n_q, "embedding", progress)
    step = 256
    for i in range(0, len(fresh), step):
        part = fresh[i:i + step]
        vecs = embedder.encode([embed_text(p) for p in part])
        store.call(pas_col.add, ids=[p.id for p in part], embeddings=np.asarray(vecs, dtype=np.float32),
                    documents=[p.text for p in part], metadatas=[p.meta for p in part])
        rows = [(p, j, q) for p in part for j, q in enumerate(question_texts(p))]
        qvecs = embedder.encode([q for *_, q in rows])
        for k in range(0, len(rows), BATCH):
            chunk = rows[k:k + BATCH]
            store.call(q_col.add, ids=[f"{p.id}#q{j}" for p, j, _ in chunk],
                        embeddings=np.asarray(qvecs[k:k + BATCH], dtype=np.float32),
                        documents=[q for *_, q in chunk],
                        metadatas=[{"chunk_id": p.id, "idx": j, "source_id": p.source_id, "lang": p.lang}
                                   for p, j, _ in chunk])
        bar.update(len(part) + len(rows))
    bar.close()
