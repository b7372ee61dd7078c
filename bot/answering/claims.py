"""Claim cards: how the popular article is quoted, and only when the question is about it.

corpus/claims/popular-article-claims.yaml holds one row per claim sentence of the article:
claim (verbatim), verdict (supported | overstated | unsupported | contradicted), why (our
words) and evidence ("doc-id#heading"). A card shows the article's sentence verbatim, cited
to the article's passage, the verdict with its reason, and the evidence passage, cited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from bot.answering.passages import Answer, citation, escape_md, passage_md
from bot.errors import CorpusError
from bot.types import Passage

CLAIMS_FILE = Path("claims") / "popular-article-claims.yaml"
VERDICTS = ("supported", "overstated", "unsupported", "contradicted")
MAX_CARDS = 3
CARD_WINDOW = 0.03  # cards scoring this close to the best claim are shown with it
LABELS = {
    "en": {"says": "The popular article (not a research source) says:", "check": "Our check",
           "evidence": "What the evidence says:"},
    "es": {"says": "El artículo popular (no es una fuente de investigación) dice:", "check": "Nuestra revisión",
           "evidence": "Lo que dice la evidencia:"},
}
VERDICT_ES = {"supported": "respaldada", "overstated": "exagerada", "unsupported": "sin respaldo",
              "contradicted": "contradicha"}


@dataclass(frozen=True)
class Claim:
    claim: str
    verdict: str
    why: str
    evidence: str  # "doc-id#heading"


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("’", "'").replace("—", "-")).strip()


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> tuple[Claim, ...]:
    try:
        rows = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    except yaml.YAMLError as exc:
        raise CorpusError(path, "claims", f"invalid YAML: {str(exc).splitlines()[0]}") from None
    out = []
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise CorpusError(path, f"row {i}", "must be a mapping of claim, verdict, why, evidence")
        for name in ("claim", "verdict", "why", "evidence"):
            if not str(row.get(name) or "").strip():
                raise CorpusError(path, f"row {i} {name}", "missing or empty")
        if row["verdict"] not in VERDICTS:
            raise CorpusError(path, f"row {i} verdict", f"must be one of {', '.join(VERDICTS)}")
        out.append(Claim(str(row["claim"]).strip(), str(row["verdict"]), str(row["why"]).strip(),
                         str(row["evidence"]).strip()))
    return tuple(out)


def load_claims(corpus_dir: Path) -> tuple[Claim, ...]:
    """The claims table of a corpus, or () when it has none."""
    path = Path(corpus_dir) / CLAIMS_FILE
    if not path.is_file():
        return ()
    return _load(str(path), path.stat().st_mtime)


def article_passage(claim: Claim, passages: list[Passage]) -> Passage | None:
    """The popular-article passage that holds the claim sentence verbatim (the English one:
    the article is quoted as it was published)."""
    want = _norm(claim.claim)
    return next((p for p in passages if p.meta.get("source_type") == "popular_article"
                 and want in _norm(p.text)), None)


def claim_text(claim: Claim, passages: list[Passage]) -> str:
    """What a claim is matched by: the article's section heading, then the claim."""
    source = article_passage(claim, passages)
    return f"{source.section}. {claim.claim}" if source else claim.claim


def evidence_passages(passages: list[Passage], lang: str) -> dict[str, Passage]:
    """Passages by "doc-id#English heading", in the reply's language where a version exists."""
    out = {p.key: p for p in passages if p.lang == "en"}
    out.update({p.key: p for p in passages if p.lang == lang})
    return out


def rank(claims: tuple[Claim, ...], query_vec: np.ndarray, claim_vecs: np.ndarray) -> list[tuple[Claim, float]]:
    sims = claim_vecs @ np.asarray(query_vec, dtype=np.float32)
    return sorted(zip(claims, (float(s) for s in sims), strict=True), key=lambda cs: -cs[1])


def cards(ranked: list[tuple[Claim, float]], passages: list[Passage], lang: str = "en") -> Answer | None:
    """Claim cards for the best-matching claims (up to MAX_CARDS close to the best)."""
    by_key = evidence_passages(passages, lang)
    labels = LABELS.get(lang, LABELS["en"])
    citations, blocks, extras = [], [], []
    numbers: dict[str, int] = {}

    def cite(p: Passage) -> int:
        if p.id not in numbers:
            numbers[p.id] = len(numbers) + 1
            citations.append(citation(numbers[p.id], p))
        return numbers[p.id]

    best = ranked[0][1] if ranked else 0.0
    for claim, score in ranked:
        if len(extras) >= MAX_CARDS or score < best - CARD_WINDOW:
            break
        source = article_passage(claim, passages)
        evidence = by_key.get(claim.evidence)
        if source is None or evidence is None:
            continue  # a row that no longer matches the corpus is never shown half
        verdict = VERDICT_ES.get(claim.verdict, claim.verdict) if lang == "es" else claim.verdict
        a, b = cite(source), cite(evidence)
        blocks.append(f"*{labels['says']}* {escape_md(claim.claim)} [{a}]\n\n"
                      f"*{labels['check']}: {verdict}. {escape_md(claim.why)}*\n\n"
                      f"*{labels['evidence']}* {passage_md(evidence.text)} [{b}]")
        extras.append({"claim": claim.claim, "verdict": claim.verdict, "why": claim.why,
                       "evidence": claim.evidence, "claim_n": a, "evidence_n": b, "score": round(score, 4)})
    if not blocks:
        return None
    return Answer("\n\n---\n\n".join(blocks), citations,
                  [{"chunk_id": c.chunk_id, "n": c.n} for c in citations], extras)
