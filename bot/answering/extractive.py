"""Extractive answering: pick verbatim sentences from retrieved passages and cite each one.

No sentence reaches the person without a citation to the passage it was copied from.
Where a popular-article sentence is used, the stronger source closest to it is shown too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from bot.types import Citation, Hit, Passage

STOP = set("""a an the and or of to in on for with by at from as is are was were be been being it its this that
these those what which who whom how why when where do does did can could should would will may might
i me my you your we our they them their he she his her about into than then there here not no yes if
so such also any all some more most much many very just get got tell know ketamine""".split())
DOSE_RE = re.compile(r"\b\d+(?:\.\d+)?\s*(?:mg|milligrams?|mg/kg|ml|sprays?)\b", re.I)
MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|$~])")

# Sentence score weights (tuned on evals/sets/retrieval_gold.jsonl with evals/calibrate_retrieval.py).
W_SENTENCE, W_CONTEXT, W_OVERLAP, W_RANK = 0.6, 0.3, 0.1, 0.015
FLOOR = 0.35  # below this a sentence does not answer the question
WEAK = 0.48  # a best sentence under this must share a telling word with the question
WINDOW = 0.1  # how far below the best sentence a further sentence may score
DUPLICATE = 0.88  # cosine above which two sentences say the same thing
QUALIFIER_MIN = 0.5  # similarity a stronger source needs to qualify a popular claim


def escape_md(text: str) -> str:
    """Make a verbatim sentence safe to show as Markdown (no links, HTML, LaTeX or emphasis)."""
    return MD_SPECIAL.sub(r"\\\1", text)


def content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2 and w not in STOP}


@dataclass
class Candidate:
    passage: Passage
    idx: int
    text: str
    vector: np.ndarray
    score: float
    rank: int  # hit rank of its passage


@dataclass
class Answer:
    text: str
    citations: list[Citation]
    sentences: list[dict] = field(default_factory=list)  # for the audit: chunk id, index, score


def citation(n: int, p: Passage) -> Citation:
    m = p.meta
    return Citation(n=n, source_id=p.source_id, title=str(m.get("title", "")), url=str(m.get("url", "")),
                    source_type=str(m.get("source_type", "")), section=p.section, passage=p.text,
                    chunk_id=p.id, authors=str(m.get("authors", "")), year=str(m.get("year", "")),
                    reviewed_on=str(m.get("reviewed_on", "")))


def _qtype_bonus(query: str, sentence: str) -> float:
    """Questions asking for a count or a date favour sentences that contain one."""
    q = query.lower()
    if re.search(r"\bhow (?:many|much|long|often)\b|\bwhat (?:percent|percentage|proportion|share)\b|%|\bnumber\b", q):
        return 0.06 if re.search(r"\d", sentence) else 0.0
    if re.search(r"\bwhen\b|\bwhat (?:year|date)\b", q):
        return 0.06 if re.search(r"\b(?:19|20)\d\d\b|January|February|March|April|May|June|July|August|"
                                 r"September|October|November|December", sentence) else 0.0
    return 0.0


def _overlap(qwords: set[str], words: set[str], idf: dict[str, float] | None) -> float:
    """Share of the query's content words (weighted by rarity) that the sentence contains."""
    if not qwords:
        return 0.0
    if not idf:
        return len(qwords & words) / len(qwords)
    default = max(idf.values(), default=1.0)
    total = sum(idf.get(w, default) for w in qwords)
    return sum(idf.get(w, default) for w in qwords & words) / total if total else 0.0


def _candidates(query: str, qvec: np.ndarray, hits: list[Hit], exclude_doses: bool,
                idf: dict[str, float] | None = None) -> list[Candidate]:
    qwords = content_words(query)
    out: list[Candidate] = []
    for rank, hit in enumerate(hits):
        vecs = hit.sentence_vectors
        if vecs is None or len(vecs) != len(hit.passage.sentences):
            continue
        sims = vecs @ qvec
        # The passage's own similarity carries context a lone sentence lacks ("in the 2021 trial").
        context = hit.dense if hit.dense is not None else 0.0
        for i, sentence in enumerate(hit.passage.sentences):
            if exclude_doses and DOSE_RE.search(sentence):
                continue
            overlap = _overlap(qwords, content_words(sentence), idf)
            score = (W_SENTENCE * float(sims[i]) + W_CONTEXT * context + W_OVERLAP * overlap
                     + _qtype_bonus(query, sentence) - W_RANK * rank)
            if hit.passage.meta.get("source_type") == "popular_article":
                score -= 0.05  # prefer the stronger source when both say it
            out.append(Candidate(hit.passage, i, sentence, vecs[i], score, rank))
    return out


def select(query: str, qvec: np.ndarray, hits: list[Hit], max_sentences: int = 4,
           exclude_doses: bool = False, pool: list[Hit] | None = None,
           idf: dict[str, float] | None = None) -> list[Candidate]:
    """The sentences that answer the query: the best one, and others close to it, no repeats.
    `pool` is where qualifiers for popular-article sentences are looked for (the whole index)."""
    cands = sorted(_candidates(query, qvec, hits, exclude_doses, idf), key=lambda c: c.score, reverse=True)
    if not cands or cands[0].score < FLOOR:
        return []
    if cands[0].score < WEAK and _overlap(content_words(query), content_words(cands[0].text), idf) < 0.1:
        return []  # a weak best sentence that shares no telling word with the question
    best = cands[0].score
    chosen: list[Candidate] = []
    for c in cands:
        if len(chosen) >= max_sentences or c.score < max(FLOOR, best - WINDOW):
            break
        if any(float(c.vector @ o.vector) > DUPLICATE for o in chosen):
            continue
        chosen.append(c)
    popular = [c for c in chosen if c.passage.meta.get("source_type") == "popular_article"]
    if popular:
        chosen.extend(_qualifiers(popular, qvec, pool or hits, chosen, exclude_doses))
    return _with_continuations(chosen, exclude_doses)


CONTRAST_RE = re.compile(r"\b(?:but|not|no|however|only|mixed|faded|cannot|unclear|experimental|out of date)\b",
                         re.I)
RESTATES_RE = re.compile(r"\bpopular (?:\w+ )?article (?:says|claims|mentions|states|suggests)\b", re.I)


def _with_continuations(chosen: list[Candidate], exclude_doses: bool) -> list[Candidate]:
    """A sentence that restates the popular article's claim is only half a point: the
    next sentence of its passage is where the stronger source answers it, so it comes too."""
    taken = {(c.passage.id, c.idx) for c in chosen}
    out = list(chosen)
    for c in chosen:
        nxt = c.idx + 1
        if (RESTATES_RE.search(c.text) and c.passage.meta.get("source_type") != "popular_article"
                and not re.search(r"\bbut\b|\bhowever\b", c.text, re.I)
                and nxt < len(c.passage.sentences) and (c.passage.id, nxt) not in taken):
            text = c.passage.sentences[nxt]
            if exclude_doses and DOSE_RE.search(text):
                continue
            taken.add((c.passage.id, nxt))
            out.append(Candidate(c.passage, nxt, text, c.vector, c.score, c.rank))
    return out


def _qualifiers(popular: list[Candidate], qvec: np.ndarray, hits: list[Hit], chosen: list[Candidate],
                exclude_doses: bool) -> list[Candidate]:
    """For each popular-article sentence, the stronger-source sentence that best speaks to
    both that claim and the question; the claims check, which answers the article point by
    point, is preferred."""
    taken = {(c.passage.id, c.idx) for c in chosen}
    extra: list[Candidate] = []
    for pop in popular:
        best: Candidate | None = None
        for rank, hit in enumerate(hits):
            if hit.passage.meta.get("source_type") == "popular_article" or hit.sentence_vectors is None:
                continue
            sims = hit.sentence_vectors @ pop.vector
            for i, s in enumerate(hit.passage.sentences):
                if float(sims[i]) < QUALIFIER_MIN or (exclude_doses and DOSE_RE.search(s)):
                    continue
                score = 0.5 * float(sims[i]) + 0.5 * float(hit.sentence_vectors[i] @ qvec)
                if "popular" in s.lower():
                    score += 0.1
                if CONTRAST_RE.search(s):
                    score += 0.1  # a qualifier limits the claim; agreeing with it adds nothing
                if best is None or score > best.score:
                    best = Candidate(hit.passage, i, s, hit.sentence_vectors[i], score, rank)
        if best and (best.passage.id, best.idx) not in taken:
            taken.add((best.passage.id, best.idx))
            extra.append(best)
    return extra


def compose(chosen: list[Candidate]) -> Answer:
    """Readable order: stronger sources first, sentences in document order within a passage;
    each sentence verbatim with its [n]."""
    groups: dict[str, list[Candidate]] = {}
    for c in chosen:  # chosen is in score order, so groups come out best first
        groups.setdefault(c.passage.id, []).append(c)
    ordered = sorted(groups.values(),
                     key=lambda g: g[0].passage.meta.get("source_type") == "popular_article")
    citations: list[Citation] = []
    lines: list[str] = []
    audit: list[dict] = []
    for n, group in enumerate(ordered, start=1):
        passage = group[0].passage
        citations.append(citation(n, passage))
        body = " ".join(f"{escape_md(c.text)} [{n}]" for c in sorted(group, key=lambda c: c.idx))
        if passage.meta.get("source_type") == "popular_article":
            body = f"*A popular article (not a research source) says:* {body}"
        lines.append(body)
        audit.extend({"chunk_id": passage.id, "sentence": c.idx, "score": round(c.score, 4), "n": n}
                     for c in group)
    return Answer("\n\n".join(lines), citations, audit)


def extractive(query: str, qvec: np.ndarray, hits: list[Hit], max_sentences: int = 4,
               exclude_doses: bool = False, pool: list[Hit] | None = None,
               idf: dict[str, float] | None = None) -> Answer | None:
    chosen = select(query, qvec, hits, max_sentences, exclude_doses, pool, idf)
    return compose(chosen) if chosen else None
