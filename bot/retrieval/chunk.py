"""Split a document into sections, then into passages of whole sentences.

The embedding model reads at most 256 word pieces and silently drops the rest, so a
passage is capped well below that (MAX_WORDS words, plus its title prefix).
"""

from __future__ import annotations

import hashlib
import re

from bot.types import Document, Passage

MAX_WORDS = 120
HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
BULLET_RE = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
# Abbreviations after which a full stop does not end a sentence.
ABBREV = ("e.g", "i.e", "et al", "vs", "Dr", "Mr", "Mrs", "Ms", "Prof", "St", "No", "approx",
          "U.S", "U.K", "Inc", "Ltd", "Jr", "Sr", "Fig", "cf", "etc", "min", "mg", "Vol")
_ABBREV_RE = re.compile(r"(?:\b(?:" + "|".join(re.escape(a) for a in ABBREV) + r")|\b[A-Z])\.$")
_SPLIT_RE = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9¿¡])")


def split_sentences(text: str) -> list[str]:
    """Sentence boundaries for clean prose: terminal punctuation followed by a capital."""
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return []
    pieces, start = [], 0
    for m in _SPLIT_RE.finditer(text):
        candidate = text[start:m.start()].rstrip()
        if _ABBREV_RE.search(candidate) and not candidate.endswith(("etc.",)):
            continue
        pieces.append(text[start:m.end()].strip())
        start = m.end()
    pieces.append(text[start:].strip())
    return [p for p in pieces if p]


def _blocks(lines: list[str]) -> list[str]:
    """Paragraph blocks. A line followed by a capitalised line is a block of its own (list
    items and heading-like lines in plain text), unless it ends in a comma or semicolon."""
    blocks: list[str] = []
    cur: list[str] = []
    for raw in lines:
        line = BULLET_RE.sub("", raw).strip()
        if not line:
            if cur:
                blocks.append(" ".join(cur))
                cur = []
            continue
        if cur and not re.search(r"[,;]$", cur[-1]) and re.match(r"[A-Z0-9\"“(]", line):
            blocks.append(" ".join(cur))
            cur = []
        cur.append(line)
        if BULLET_RE.match(raw):
            blocks.append(" ".join(cur))
            cur = []
    if cur:
        blocks.append(" ".join(cur))
    return blocks


def sections(body: str, default: str) -> list[tuple[str, list[str]]]:
    """(heading, sentences) for each section; text before any heading goes under `default`."""
    out: list[tuple[str, list[str]]] = []
    heading, lines = default, []

    def flush() -> None:
        sentences = [s for block in _blocks(lines) for s in split_sentences(block)]
        if sentences:
            out.append((heading, sentences))

    for line in body.split("\n"):
        m = HEADING_RE.match(line)
        if m:
            flush()
            level, text = len(m.group(1)), m.group(2)
            lines = []
            heading = default if level == 1 else text
            continue
        lines.append(line)
    flush()
    return out


def _pack(sentences: list[str], max_words: int) -> list[list[str]]:
    """Greedy packing of whole sentences into passages of at most max_words (balanced)."""
    total = sum(len(s.split()) for s in sentences)
    if total <= max_words:
        return [sentences]
    n_parts = -(-total // max_words)
    target = total / n_parts
    parts: list[list[str]] = [[]]
    words = 0
    for s in sentences:
        w = len(s.split())
        if parts[-1] and (words + w > max_words or words >= target):
            parts.append([])
            words = 0
        parts[-1].append(s)
        words += w
    return parts


def chunk_document(doc: Document, max_words: int = MAX_WORDS) -> list[Passage]:
    """The passages of one document, each with Chroma-safe source metadata."""
    meta = doc.meta
    base = {
        "source_id": doc.id,
        "title": str(meta["title"]),
        "url": str(meta.get("url") or ""),
        "doi": str(meta.get("doi") or ""),
        "source_type": str(meta["source_type"]),
        "authors": str(meta.get("authors") or meta.get("publisher") or ""),
        "year": str(meta["year"]),
        "reviewed_on": str(meta["reviewed_on"]),
        "review_by": str(meta["review_by"]),
        "doc_hash": doc.content_hash,
    }
    passages: list[Passage] = []
    for position, (heading, sentences) in enumerate(sections(doc.body, "Overview")):
        for part_no, part in enumerate(_pack(sentences, max_words)):
            text = " ".join(part)
            digest = hashlib.sha256(
                f"{EMBED_SCHEME}\n{doc.content_hash}\n{heading}\n{text}".encode()
            ).hexdigest()[:16]
            pmeta = dict(base, section=heading, position=position * 100 + part_no)
            passages.append(Passage(
                id=f"{doc.id}:{digest}",
                source_id=doc.id,
                section=heading,
                text=text,
                sentences=tuple(part),
                meta=pmeta,
            ))
    return passages


# Bump when embed_text changes: it is part of every passage id, so a re-ingest re-embeds.
EMBED_SCHEME = "3"
KIND = {"rct": "Randomised trial", "meta_analysis": "Meta-analysis", "guideline": "Guideline",
        "regulatory_label": "Drug label", "review": "Review", "patient_education": "Patient information",
        "popular_article": "Popular article", "crisis_resource": "Crisis help"}


def embed_text(p: Passage) -> str:
    """What the model and BM25 see for a passage: the kind of source, its title and section
    give the passage context ("what does the popular article say ..." finds the article)."""
    kind = KIND.get(str(p.meta.get("source_type")), "Source")
    return f"{kind}: {p.meta['title']}. {p.section}. {p.text}"
