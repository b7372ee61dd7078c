"""Hybrid retrieval: dense (Chroma) + lexical (BM25), fused by reciprocal rank, diversified.

The in-memory part (BM25 index, stored sentence vectors) is loaded once per index
generation and refreshed when ingest flips the manifest.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from bot.answering.extractive import content_words
from bot.config import Settings
from bot.errors import StoreUnavailable
from bot.retrieval.chunk import embed_text
from bot.retrieval.store import Store, fetch_all
from bot.types import Hit, Passage

RRF_K = 60
THRESHOLDS = Path(__file__).parent / "data" / "retrieval_thresholds.json"
CANDIDATES = 20
MAX_PER_SOURCE = 2


@dataclass
class Index:
    """The active generation as the retriever needs it in memory."""

    manifest: dict
    passages: dict[str, Passage]
    order: list[str]  # passage ids, BM25 row order
    bm25: object
    tokenizer: object
    sentence_vectors: dict[str, np.ndarray] = field(default_factory=dict)
    collection: object = None  # the generation's Chroma passages collection, for dense search
    idf: dict[str, float] = field(default_factory=dict)  # content-word rarity, for sentence overlap
    vocab: frozenset[str] = frozenset()

    @cached_property
    def pool(self) -> list[Hit]:
        """Every passage as a Hit: where qualifiers for popular-article claims are looked for."""
        return [Hit(p, 0.0, None, None, self.sentence_vectors.get(pid)) for pid, p in self.passages.items()]

    @property
    def corpus_hash(self) -> str:
        return str(self.manifest.get("corpus_hash", ""))


def _passage(pid: str, text: str, meta: dict, sentences: list[str]) -> Passage:
    return Passage(id=pid, source_id=str(meta.get("source_id", "")), section=str(meta.get("section", "")),
                   text=text, sentences=tuple(sentences), meta=dict(meta))


def load_index(store: Store) -> Index:
    import bm25s
    from bm25s.tokenization import Tokenizer

    manifest, pas_col, sen_col = store.active()
    pas = store.call(fetch_all, pas_col, ["documents", "metadatas"])
    sen = store.call(fetch_all, sen_col, ["documents", "metadatas", "embeddings"])
    by_chunk: dict[str, list[tuple[int, str, np.ndarray]]] = {}
    for doc, meta, emb in zip(sen["documents"], sen["metadatas"], sen["embeddings"], strict=True):
        by_chunk.setdefault(meta["chunk_id"], []).append((int(meta["idx"]), doc, emb))
    passages: dict[str, Passage] = {}
    vectors: dict[str, np.ndarray] = {}
    for pid, text, meta in zip(pas["ids"], pas["documents"], pas["metadatas"], strict=True):
        rows = sorted(by_chunk.get(pid, []), key=lambda r: r[0])
        passages[pid] = _passage(pid, text, meta, [r[1] for r in rows])
        if rows:
            vectors[pid] = np.asarray([r[2] for r in rows], dtype=np.float32)
    order = list(passages)
    tokenizer = Tokenizer(stopwords="en", stemmer=None)
    bm25 = bm25s.BM25()
    if order:
        tokens = tokenizer.tokenize([embed_text(passages[p]) for p in order], return_as="ids",
                                    show_progress=False)
        bm25.index(tokens, show_progress=False)
    df: dict[str, int] = {}
    for p in passages.values():
        for w in content_words(f"{p.meta.get('title', '')} {p.section} {p.text}"):
            df[w] = df.get(w, 0) + 1
    n = max(1, len(passages))
    idf = {w: math.log(1 + n / c) for w, c in df.items()}
    return Index(manifest, passages, order, bm25, tokenizer, vectors, pas_col, idf, frozenset(df))


class Retriever:
    """Searches the active index generation. Thread-safe; one per process."""

    def __init__(self, settings: Settings, store: Store | None = None, refresh_seconds: float = 10.0):
        self.settings = settings
        self.store = store or Store(settings)
        self.refresh_seconds = refresh_seconds
        self._index: Index | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def index(self) -> Index:
        now = time.monotonic()
        with self._lock:
            if self._index is None:
                self._index = load_index(self.store)
                self._checked = now
            elif now - self._checked > self.refresh_seconds:
                manifest = self.store.require_manifest()
                if manifest.get("generation") != self._index.manifest.get("generation"):
                    self._index = load_index(self.store)
                self._checked = now
            return self._index

    def _dense(self, index: Index, qvec: np.ndarray, n: int) -> dict[str, float]:
        got = self.store.call(index.collection.query, query_embeddings=[np.asarray(qvec, dtype=np.float32)],
                               n_results=min(n, len(index.order)), include=["distances"])
        return {pid: 1.0 - float(d) for pid, d in zip(got["ids"][0], got["distances"][0], strict=True)}

    def _lexical(self, index: Index, query: str, n: int) -> dict[str, float]:
        q = index.tokenizer.tokenize([query], update_vocab=False, return_as="ids", show_progress=False)
        if not q or not any(q[0]):
            return {}
        docs, scores = index.bm25.retrieve(q, k=min(n, len(index.order)), show_progress=False)
        return {index.order[int(d)]: float(s) for d, s in zip(docs[0], scores[0], strict=True) if s > 0}

    def search(self, query: str, qvec: np.ndarray, k: int | None = None) -> tuple[list[Hit], float]:
        """Top passages for the query and the best dense similarity (the relevance signal)."""
        try:
            return self._search(query, qvec, k)
        except StoreUnavailable:
            # The generation may have been replaced under us by an ingest elsewhere: follow the
            # manifest once before saying answers are unavailable.
            with self._lock:
                self._index = None
            return self._search(query, qvec, k)

    def _search(self, query: str, qvec: np.ndarray, k: int | None = None) -> tuple[list[Hit], float]:
        index = self.index()
        if not index.order:
            return [], 0.0
        k = k or self.settings.top_k
        dense = self._dense(index, qvec, CANDIDATES)
        lexical = self._lexical(index, query, CANDIDATES)
        fused: dict[str, float] = {}
        for ranking in (dense, lexical):
            for rank, pid in enumerate(sorted(ranking, key=ranking.get, reverse=True)):
                fused[pid] = fused.get(pid, 0.0) + 1.0 / (RRF_K + rank + 1)
        hits: list[Hit] = []
        per_source: dict[str, int] = {}
        for pid in sorted(fused, key=fused.get, reverse=True):
            passage = index.passages.get(pid)
            if passage is None:
                continue
            if per_source.get(passage.source_id, 0) >= MAX_PER_SOURCE:
                continue  # diversity: no single source crowds out the others
            per_source[passage.source_id] = per_source.get(passage.source_id, 0) + 1
            hits.append(Hit(passage, fused[pid], dense.get(pid), lexical.get(pid),
                            index.sentence_vectors.get(pid)))
            if len(hits) >= k:
                break
        best = max(dense.values(), default=0.0)
        return hits, best


# Chat shorthand that is not a topic word, so never counts as an uncovered term.
SHORTHAND = frozenset("ppl pls plz thx u ur r im ive id dont doesnt didnt cant wont isnt arent whats hows "
                      "wanna gonna gotta ok okay hi hello hey".split())


# A particular clinic's logistics (hours, parking, where, booking, prices of one place) are
# never in a psychoeducation corpus; the care team answers those.
LOGISTICS_RE = re.compile(
    r"\b(?:opening hours|open(?:ing)? (?:on|at|until)|hours on|parking|park (?:at|near)|near me|nearest|"
    r"address|directions to|how do i get to|book(?:ing)? an? (?:appointment|session)|make an appointment|"
    r"wait(?:ing)? list|clinics? (?:are there )?in [a-z]+|clinics? near|where is the clinic)\b", re.I)


def clinic_logistics(query: str) -> bool:
    return bool(LOGISTICS_RE.search(query))


def uncovered_terms(query: str, index: Index, max_zipf: float = 3.8) -> list[str]:
    """Specific words of the query that the corpus never uses (a drug, a condition, a place
    the sources do not cover). Common English words and near-misspellings of corpus words
    do not count, so only a question about something the corpus lacks is flagged."""
    import difflib

    from wordfreq import zipf_frequency

    out = []
    for word in content_words(query):
        if word in index.vocab or word in SHORTHAND or word.isdigit() or len(word) < 4:
            continue
        if any(v.startswith(word[:6]) for v in index.vocab if len(word) >= 6):
            continue  # inflections: dissociate / dissociation
        if zipf_frequency(word, "en") >= max_zipf:
            continue
        if difflib.get_close_matches(word, index.vocab, n=1, cutoff=0.84):
            continue  # a typo of a word the corpus uses
        out.append(word)
    return out


@lru_cache(maxsize=1)
def calibrated_min_relevance(default: float = 0.3) -> float:
    """The dense-similarity floor chosen by evals/calibrate_retrieval.py."""
    if THRESHOLDS.is_file():
        return float(json.loads(THRESHOLDS.read_text())["min_relevance"])
    return default
