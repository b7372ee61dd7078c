"""The grounding check for generated text: each sentence must carry a valid [n] and be
supported by that passage, or it is dropped.

Support = embedding similarity to the closest sentence of a cited passage, plus
agreement on numbers (every number in the sentence occurs in a cited passage) and on
key terms (most content words occur there). Thresholds are calibrated by
evals/calibrate_grounding.py on evals/sets/grounding/calibration.jsonl.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.answering.passages import citation, escape_md
from bot.retrieval.chunk import split_sentences
from bot.retrieval.match import content_words
from bot.types import Citation, Hit

CITE_RE = re.compile(r"\[(\d{1,2})\]")
NUM_RE = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")
THRESHOLDS = Path(__file__).parent / "data" / "grounding_thresholds.json"
# A generated sentence that tells the person what to do with a medicine is dropped even if a
# passage seems to support it: a passage is data, and personal directives are the prescriber's.
DIRECTIVE_RE = re.compile(
    r"\byou (?:should|must|need to|can safely|could safely|ought to)\b"
    r"|\b(?:double|triple|increase|raise|lower|decrease|stop|skip|taper)\s+(?:your|the|my)\s+"
    r"(?:dose|dosage|medication|medicine|spray|sprays|ssri|antidepressant)", re.I)
GENERIC = set("""ketamine esketamine spravato ptsd trial trials study studies people patients treatment
showed found shows research researchers evidence effect effects""".split())


@dataclass(frozen=True)
class Thresholds:
    min_similarity: float = 0.6
    min_terms: float = 0.6


@lru_cache(maxsize=1)
def thresholds() -> Thresholds:
    if THRESHOLDS.is_file():
        data = json.loads(THRESHOLDS.read_text())
        return Thresholds(float(data["min_similarity"]), float(data["min_terms"]))
    return Thresholds()


def split_generated(text: str) -> list[str]:
    """Sentences of model output, each keeping its own [n] markers (also when they follow the full stop)."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"([.!?])\s*((?:\[\d{1,2}\]\s*)+)", lambda m: f" {m.group(2).strip()}{m.group(1)} ", text)
    return split_sentences(text)


def strip_citations(sentence: str) -> str:
    return re.sub(r"\s+([.!?,;:])", r"\1", CITE_RE.sub("", sentence)).strip()


def _stem(word: str) -> str:
    return word[:6] if len(word) > 6 else word


def term_support(sentence: str, passages: list[str]) -> float:
    words = {w for w in content_words(sentence) if w not in GENERIC}
    if not words:
        return 1.0
    vocab = {_stem(w) for p in passages for w in content_words(p)}
    return sum(_stem(w) in vocab for w in words) / len(words)


def numbers_agree(sentence: str, passages: list[str]) -> bool:
    joined = " ".join(passages).replace(",", "")
    return all(n.replace(",", "") in joined for n in NUM_RE.findall(sentence))


@dataclass
class Checked:
    text: str  # sentence without markers
    cites: list[int]
    ok: bool
    reason: str
    similarity: float = 0.0
    terms: float = 0.0


def check(sentence: str, vector: np.ndarray | None, hits: list[Hit], th: Thresholds,
          sentence_vectors=None) -> Checked:
    """Is one generated sentence supported by the passages it cites? `sentence_vectors(n)`
    gives passage n's sentence vectors (default: the ones stored at ingest)."""
    cites = sorted({int(n) for n in CITE_RE.findall(sentence)})
    plain = strip_citations(sentence)
    if not cites:
        return Checked(plain, cites, False, "no_citation")
    if any(n < 1 or n > len(hits) for n in cites):
        return Checked(plain, cites, False, "invalid_citation")
    if DIRECTIVE_RE.search(plain):
        return Checked(plain, cites, False, "personal_directive")
    passages = [hits[n - 1].passage.text for n in cites]
    if not numbers_agree(plain, passages):
        return Checked(plain, cites, False, "number_not_in_passage")
    terms = term_support(plain, passages)
    sim = 0.0
    if vector is not None:
        for n in cites:
            vecs = sentence_vectors(n) if sentence_vectors else hits[n - 1].sentence_vectors
            if vecs is not None and len(vecs):
                sim = max(sim, float(np.max(vecs @ vector)))
    if terms < th.min_terms:
        return Checked(plain, cites, False, "key_terms_not_in_passage", sim, terms)
    if sim < th.min_similarity:
        return Checked(plain, cites, False, "low_similarity", sim, terms)
    return Checked(plain, cites, True, "supported", sim, terms)


@dataclass
class Grounded:
    text: str
    citations: list[Citation]
    kept: list[Checked] = field(default_factory=list)
    dropped: list[Checked] = field(default_factory=list)


class Grounder:
    """Checks generated sentences one at a time (so a stream can show each as it passes)
    and renumbers the surviving citations from 1 in order of first use."""

    def __init__(self, hits: list[Hit], embedder, th: Thresholds | None = None):
        self.hits, self.embedder, self.th = hits, embedder, th or thresholds()
        self.kept: list[Checked] = []
        self.dropped: list[Checked] = []
        self.renumber: dict[int, int] = {}
        self._vectors: dict[int, np.ndarray] = {}

    def _sentence_vectors(self, n: int) -> np.ndarray:
        """Passage n's sentences embedded on their own, as the generated sentence is: the
        stored vectors are pooled in context and would not compare like with like."""
        if n not in self._vectors:
            self._vectors[n] = self.embedder.encode(list(self.hits[n - 1].passage.sentences))
        return self._vectors[n]

    def feed(self, sentence: str) -> str | None:
        """The sentence as it may be shown (escaped, renumbered), or None if it is dropped."""
        plain = strip_citations(sentence)
        if not plain:
            return None
        vector = self.embedder.encode([plain])[0]
        checked = check(sentence, vector, self.hits, self.th, self._sentence_vectors)
        if not checked.ok:
            self.dropped.append(checked)
            return None
        self.kept.append(checked)
        for n in checked.cites:
            self.renumber.setdefault(n, len(self.renumber) + 1)
        return escape_md(checked.text) + " " + "".join(f"[{self.renumber[n]}]" for n in checked.cites)

    def result(self, shown: list[str]) -> Grounded:
        citations = [citation(new, self.hits[old - 1].passage) for old, new in self.renumber.items()]
        return Grounded(" ".join(shown), citations, self.kept, self.dropped)


def ground(text: str, hits: list[Hit], embedder, th: Thresholds | None = None) -> Grounded:
    """Keep the supported sentences of generated text, renumber their citations from 1."""
    grounder = Grounder(hits, embedder, th)
    shown = [out for s in split_generated(text) if (out := grounder.feed(s)) is not None]
    return grounder.result(shown)
