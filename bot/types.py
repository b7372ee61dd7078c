"""Typed values passed between modules. Every front end consumes `Reply`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from bot import text as textlib

RouteName = Literal["crisis", "support", "clinic", "boundary", "out_of_scope", "continue"]
ReplyRoute = Literal[
    "crisis", "support", "clinic", "boundary", "out_of_scope", "answer", "no_answer", "unavailable", "invalid"
]

SOURCE_TYPES = (
    "rct",
    "meta_analysis",
    "guideline",
    "regulatory_label",
    "review",
    "patient_education",
    "popular_article",
    "crisis_resource",
)


@dataclass(frozen=True)
class Document:
    """One vetted corpus file: validated front matter plus its body text."""

    id: str
    path: str
    meta: dict[str, Any]
    body: str
    content_hash: str

    @property
    def title(self) -> str:
        return str(self.meta["title"])

    @property
    def source_type(self) -> str:
        return str(self.meta["source_type"])

    @property
    def lang(self) -> str:
        return str(self.meta.get("lang") or "en")


@dataclass(frozen=True)
class Passage:
    """One `##` section of one document, shown whole: its heading is the question it answers."""

    id: str
    source_id: str
    section: str  # the heading: the patient question the passage answers
    text: str
    sentences: tuple[str, ...]
    meta: dict[str, Any]  # flat, Chroma-safe source metadata (title, url, source_type, year, ...)
    also: tuple[str, ...] = ()  # other phrasings of the heading's question
    refs: tuple[dict[str, str], ...] = ()  # the references this passage states: {key, cite, url}
    lang: str = "en"

    @property
    def heading(self) -> str:
        return self.section

    @property
    def key(self) -> str:
        """'doc-id#English heading': how eval sets and the claims table name a passage."""
        return f"{self.source_id}#{self.meta.get('en_heading') or self.section}"


@dataclass(frozen=True)
class Hit:
    """A passage found for a query, with its fused score and the parts that made it."""

    passage: Passage
    score: float
    dense: float | None = None
    lexical: float | None = None
    sentence_vectors: Any = None  # numpy array (n_sentences, dim) stored at ingest


@dataclass(frozen=True)
class Turn:
    """One earlier turn of the conversation. Only the text the person wrote is screened."""

    role: Literal["user", "assistant"]
    text: str
    route: str | None = None
    check_in: bool = False  # an assistant reply that checked in (Reply.extras["check_in"])
    # an assistant reply that was the after-crisis text, which asks the person to put a plain
    # question again (Reply.extras["asked_first"]); None: not known (the caller did not say)
    asked_first: bool | None = None


def turn_text(turn: Any) -> str:
    """The text of one turn as a test line or batch line gives it: a string, or an object
    with "text" (or "content")."""
    if isinstance(turn, dict):
        return str(turn.get("text", turn.get("content", "")) or "")
    return str(turn)


def split_conversation(obj: dict[str, Any]) -> tuple[list[Any], str] | None:
    """(earlier turns, message) of a line that gives a conversation as `turns`, or None when it
    gives none. Two shapes are in use and both are read: `turns` alone, whose last turn is the
    message, and `turns` with `text`, where `turns` are the earlier turns and `text` is the
    message (a text equal to the last turn is that turn, not a repeat). Before stop 50 the second
    shape lost its `text`: the last earlier turn was screened in its place."""
    turns = obj.get("turns")
    if not isinstance(turns, list) or not turns:
        return None
    message = obj.get("text")
    if not isinstance(message, str) or not message.strip():
        return list(turns[:-1]), turn_text(turns[-1])
    if turn_text(turns[-1]).strip() == message.strip():
        return list(turns[:-1]), message
    return list(turns), message


@dataclass(frozen=True)
class Route:
    """The screen's decision for one turn, with what decided it (for the audit)."""

    name: RouteName
    reason: str  # rule id or semantic score, never the message text
    locale: str = "en-US"
    score: float | None = None
    flags: tuple[str, ...] = ()
    kind: str | None = None  # for crisis: "self", "others", "danger" or "medical"


@dataclass(frozen=True)
class Citation:
    n: int
    source_id: str
    title: str
    url: str
    source_type: str
    section: str
    passage: str
    chunk_id: str = ""
    authors: str = ""
    year: str = ""
    reviewed_on: str = ""
    refs: tuple[dict[str, str], ...] = ()  # the references the passage states: {key, cite, url}
    key: str = ""  # "doc-id#heading" of the cited passage


@dataclass(frozen=True)
class Resource:
    """One crisis line for a locale, loaded from prompts/resources/<locale>.yaml."""

    name: str
    contact: str  # how a person reaches it, in words: "Call or text 988"
    hours: str = ""
    call: str = ""  # number for a tel: link
    sms: str = ""  # number for an sms: link
    sms_body: str = ""  # e.g. HOME for Crisis Text Line
    web: str = ""  # https chat or info page
    note: str = ""
    last_verified: str = ""
    source: str = ""

    @property
    def tel_href(self) -> str:
        return textlib.tel_href(self.call)

    @property
    def sms_href(self) -> str:
        return textlib.sms_href(self.sms, self.sms_body)


@dataclass
class Reply:
    """The one value every front end renders: route, Markdown text, citations, resources, audit."""

    route: ReplyRoute
    text: str
    citations: list[Citation] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    audit: dict[str, Any] = field(default_factory=dict)
    notice: str = ""
    extras: dict[str, Any] = field(default_factory=dict)  # e.g. safety plan / grounding for crisis

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
