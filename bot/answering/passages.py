"""The default answer: the passage(s) that answer the question, whole and verbatim, cited.

A clinician reviews a passage as a whole, so it is never cut into sentences here: the best
passage is shown, and a second (from another document) only when matching found that it
answers too and does not repeat the first. Each passage carries one [n]; its Citation
names the document, the section heading, and the references the passage itself states.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.text import escape_md  # noqa: F401  (re-exported: the answering modules quote through it)
from bot.types import Citation, Passage

DOSE_RE = re.compile(r"\b\d+(?:\.\d+)?\s*(?:mg|milligrams?|mg/kg|ml|sprays?)\b", re.I)
# A personal question about an amount ("how much should I take", "¿qué dosis?"): a clinic or
# boundary reply to it never shows a passage that states a dose, since a study's dose would read
# as an instruction. Any other personal question ("can I take Xanax with ketamine?") keeps the
# whole vetted passage, dose and all: withholding its safety caveat would be the greater harm.
AMOUNT_RE = re.compile(
    r"\b(?:how\s+(?:much|many)|doses?|dosage|dosing|amounts?|mgs?|milligrams?|ml|sprays?|"
    r"cu[aá]nt[oa]s?|dosis|cantidad(?:es)?|miligramos?)\b", re.I)


def asks_amount(question: str) -> bool:
    return bool(AMOUNT_RE.search(question))


def passage_md(text: str) -> str:
    """A passage as Markdown: escaped, its own list items and paragraphs kept."""
    lines = []
    for line in text.split("\n"):
        m = re.match(r"^(\s*(?:[-*+]|\d+[.)])\s+)(.*)$", line)
        lines.append(("- " if m and not m.group(1).strip()[0].isdigit() else m.group(1)) + escape_md(m.group(2))
                     if m else escape_md(line))
    return "\n".join(lines)


@dataclass
class Answer:
    text: str
    citations: list[Citation]
    sentences: list[dict] = field(default_factory=list)  # for the audit: chunk id, key, probability
    claim_cards: list[dict] = field(default_factory=list)


def citation(n: int, p: Passage) -> Citation:
    m = p.meta
    refs = tuple(dict(r) for r in p.refs)
    url = next((r["url"] for r in refs if r.get("url")), "") or str(m.get("url", ""))
    return Citation(n=n, source_id=p.source_id, title=str(m.get("title", "")), url=url,
                    source_type=str(m.get("source_type", "")), section=p.section, passage=p.text,
                    chunk_id=p.id, authors=str(m.get("authors", "")), year=str(m.get("year", "")),
                    reviewed_on=str(m.get("reviewed_on", "")), refs=refs, key=p.key)


def shown(text: str, n: int) -> str:
    """One passage as shown: verbatim (escaped), its marker after the last sentence."""
    return f"{passage_md(text)} [{n}]"


def compose(passages: list[tuple[Passage, float]], exclude_doses: bool = False) -> Answer | None:
    """The answer from (passage, probability) pairs in order. `exclude_doses` (a clinic or
    boundary turn that asks about an amount, see asks_amount) drops a passage that gives a dose."""
    chosen = [(p, prob) for p, prob in passages if not (exclude_doses and DOSE_RE.search(p.text))]
    if not chosen:
        return None
    citations = [citation(n, p) for n, (p, _) in enumerate(chosen, start=1)]
    blocks = [shown(p.text, n) for n, (p, _) in enumerate(chosen, start=1)]
    audit = [{"chunk_id": p.id, "p": round(prob, 4), "n": n}
             for n, (p, prob) in enumerate(chosen, start=1)]
    return Answer("\n\n".join(blocks), citations, audit)
