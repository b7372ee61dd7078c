"""One passage per `##` section: the whole section, verbatim, is what is shown and cited.

A section's heading is the patient question it answers. Two HTML comments right under
the heading carry other phrasings of it (`<!-- also: a | b -->`) and the reference keys
it states (`<!-- refs: S8, S17 -->`); a Spanish version pairs with its English section by
`<!-- en: English heading -->`. Comments are removed from the shown text.

The embedding model reads about 256 word pieces and silently drops the rest, so a
section longer than MAX_WORDS words is refused (CorpusError naming file and heading).
"""

from __future__ import annotations

import hashlib
import json
import re

from bot.errors import CorpusError
from bot.types import Document, Passage

MAX_WORDS = 170  # ~256 word pieces of MiniLM for plain English prose (CORPUS_FORMAT.md)
HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
COMMENT_RE = re.compile(r"<!--(.*?)-->", re.S)
DIRECTIVE_RE = re.compile(r"^\s*(also|refs|en)\s*:\s*(.*)$", re.S | re.I)
BULLET_RE = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
# Abbreviations after which a full stop does not end a sentence.
ABBREV = ("e.g", "i.e", "et al", "vs", "Dr", "Mr", "Mrs", "Ms", "Prof", "St", "No", "approx",
          "U.S", "U.K", "Inc", "Ltd", "Jr", "Sr", "Fig", "cf", "etc", "min", "mg", "Vol", "EE.UU", "p.ej")
_ABBREV_RE = re.compile(r"(?:\b(?:" + "|".join(re.escape(a) for a in ABBREV) + r")|\b[A-Z])\.$")
_SPLIT_RE = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9¿¡ÁÉÍÓÚÑ])")


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


def passage_sentences(text: str) -> list[str]:
    """The sentences of a passage: each list item and paragraph split on its own."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n|\n(?=\s*(?:[-*+•]|\d+[.)])\s)", text):
        lines = [BULLET_RE.sub("", x).strip() for x in block.splitlines() if x.strip()]
        out.extend(split_sentences(" ".join(lines)))
    return out


def _tidy(lines: list[str]) -> str:
    """The section text as written, comments removed, blank-line runs folded."""
    text = COMMENT_RE.sub("", "\n".join(lines))
    text = "\n".join(x.rstrip() for x in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def sections(body: str, default: str) -> list[tuple[str, str, dict[str, str]]]:
    """(heading, text, directives) for each `##` section. Text before the first `##` (after the
    `# Title`) is a section under `default`; deeper headings stay inside their section."""
    out: list[tuple[str, str, dict[str, str]]] = []
    heading, lines = default, []

    def flush() -> None:
        directives: dict[str, str] = {}
        for m in COMMENT_RE.finditer("\n".join(lines)):
            d = DIRECTIVE_RE.match(m.group(1))
            if d:
                directives[d.group(1).lower()] = " ".join(d.group(2).split())
        text = _tidy(lines)
        if text:
            out.append((heading, text, directives))

    for line in body.split("\n"):
        m = HEADING_RE.match(line)
        if m and len(m.group(1)) <= 2:
            flush()
            lines = []
            heading = default if len(m.group(1)) == 1 else m.group(2)
            continue
        lines.append(line)
    flush()
    return out


def _resolve_refs(doc: Document, heading: str, keys: str | None) -> tuple[dict[str, str], ...]:
    """The reference rows a section states. A one-source document needs no refs comment, nor
    the popular article; a multi-source document in the v2 shape must name them per section."""
    rows = {r["key"]: r for r in doc.meta["references"]}
    if keys is None and doc.source_type == "popular_article":
        return (doc.meta["references"][0],)  # the article itself; it is quoted only as claim cards
    if keys is None:
        if len(rows) == 1 or not any(r["url"] for r in rows.values()):
            return tuple(rows.values()) if len(rows) == 1 else ()
        raise CorpusError(doc.path, f"refs of section {heading!r}",
                          "missing: a multi-source document names the references of each section "
                          "(<!-- refs: S1, S2 -->)")
    out = []
    for key in (k.strip() for k in keys.split(",") if k.strip()):
        if key not in rows:
            raise CorpusError(doc.path, f"refs of section {heading!r}", f"unknown reference key {key!r}")
        out.append(rows[key])
    return tuple(out)


def chunk_document(doc: Document, max_words: int = MAX_WORDS) -> list[Passage]:
    """The passages of one document (one per `##` section), each with Chroma-safe metadata."""
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
        "lang": doc.lang,
        "translation_status": str(meta.get("translation_status") or ""),
    }
    passages: list[Passage] = []
    for position, (heading, text, directives) in enumerate(sections(doc.body, doc.title)):
        words = len(text.split())
        if words > max_words:
            raise CorpusError(doc.path, f"section {heading!r}",
                              f"{words} words; the limit is {max_words} (the embedding model drops the rest)")
        also = tuple(a.strip() for a in directives.get("also", "").split("|") if a.strip())
        refs = _resolve_refs(doc, heading, directives.get("refs"))
        digest = hashlib.sha256(
            f"{EMBED_SCHEME}\n{doc.content_hash}\n{heading}\n{text}".encode()
        ).hexdigest()[:16]
        pmeta = dict(base, section=heading, position=position, en_heading=directives.get("en", ""),
                     also_json=json.dumps(also, ensure_ascii=False),
                     refs_json=json.dumps(refs, ensure_ascii=False))
        if refs and refs[0].get("url"):
            pmeta["url"] = refs[0]["url"]  # the passage links the source it states
        passages.append(Passage(id=f"{doc.id}:{digest}", source_id=doc.id, section=heading, text=text,
                                sentences=tuple(passage_sentences(text)), meta=pmeta, also=also,
                                refs=refs, lang=doc.lang))
    return passages


def from_record(pid: str, text: str, meta: dict) -> Passage:
    """A Passage rebuilt from its stored Chroma record."""
    return Passage(id=pid, source_id=str(meta.get("source_id", "")), section=str(meta.get("section", "")),
                   text=text, sentences=tuple(passage_sentences(text)), meta=dict(meta),
                   also=tuple(json.loads(meta.get("also_json") or "[]")),
                   refs=tuple(json.loads(meta.get("refs_json") or "[]")), lang=str(meta.get("lang") or "en"))


# Bump when embed_text or question_texts change: it is part of every passage id, so a re-ingest re-embeds.
EMBED_SCHEME = "4"
KIND = {"rct": "Randomised trial", "meta_analysis": "Meta-analysis", "guideline": "Guideline",
        "regulatory_label": "Drug label", "review": "Review", "patient_education": "Patient information",
        "popular_article": "Popular article", "crisis_resource": "Crisis help"}


def embed_text(p: Passage) -> str:
    """What the model and BM25 see for a passage: its question, then the passage. The popular
    article says what it is, so "what does the popular article say" finds it."""
    lead = f"{KIND['popular_article']}: {p.meta['title']}. " if p.meta.get("source_type") == "popular_article" else ""
    return f"{lead}{p.section}\n{p.text}"


def question_texts(p: Passage) -> list[str]:
    """The questions a passage answers: its heading and every `also` phrasing."""
    return [p.section, *p.also]
