"""Ingest: corpus files -> validated documents -> passages -> embeddings -> a new index generation.

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
from bot.retrieval.chunk import chunk_document, embed_text
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

    old_pas = old_sen = None
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


def sentence_spans(p: Passage) -> tuple[str, list[tuple[int, int]]]:
    """The passage's embedded text and the character span of each sentence inside it."""
    text = embed_text(p)
    pos = len(text) - len(p.text)  # embed_text ends with the passage text
    spans = []
    for sentence in p.sentences:
        start = text.index(sentence, pos)
        spans.append((start, start + len(sentence)))
        pos = start + len(sentence)
    return text, spans


def _embed_into(settings: Settings, store: Store, fresh: list[Passage], pas_col, sen_col,
                progress: bool) -> None:
    """Embed new passages and their sentences. With the bundled model one forward pass per
    passage yields both (sentence vectors pooled from the passage's token embeddings);
    an embedder without that ability embeds the sentences separately."""
    embedder = settings.get_embedder()
    pooled = hasattr(embedder, "encode_with_spans")
    n_sent = sum(len(p.sentences) for p in fresh)
    bar = _progress(len(fresh) if pooled else len(fresh) + n_sent, "embedding", progress)
    step = 256 if pooled else BATCH
    for i in range(0, len(fresh), step):
        part = fresh[i:i + step]
        if pooled:
            texts, spans = zip(*(sentence_spans(p) for p in part), strict=True)
            vecs, sent_vecs = embedder.encode_with_spans(list(texts), list(spans))
        else:
            vecs = embedder.encode([embed_text(p) for p in part])
            flat = embedder.encode([s for p in part for s in p.sentences])
            cuts = np.cumsum([0] + [len(p.sentences) for p in part])
            sent_vecs = [flat[a:b] for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
        store.call(pas_col.add, ids=[p.id for p in part], embeddings=vecs,
                    documents=[p.text for p in part],
                    metadatas=[dict(p.meta, n_sentences=len(p.sentences)) for p in part])
        rows = [(p, j, s, sv[j]) for p, sv in zip(part, sent_vecs, strict=True) for j, s in enumerate(p.sentences)]
        for k in range(0, len(rows), BATCH):
            chunk = rows[k:k + BATCH]
            store.call(sen_col.add, ids=[f"{p.id}#{j}" for p, j, _, _ in chunk],
                        embeddings=np.asarray([v for *_, v in chunk], dtype=np.float32),
                        documents=[s for _, _, s, _ in chunk],
                        metadatas=[{"chunk_id": p.id, "idx": j, "source_id": p.source_id} for p, j, _, _ in chunk])
        bar.update(len(part) if pooled else len(part) + sum(len(p.sentences) for p in part))
    bar.close()
