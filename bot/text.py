"""Shared text helpers: Markdown escaping, the "sentence [n]" marker, safe links, tel:/sms:.

One home for them so every front end (app, handout, CLI, evals) escapes and links the same
way. Imports nothing of bot/, so any layer may use it.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

# Characters that would make verbatim source text act as Markdown (links, HTML, emphasis,
# code, tables, LaTeX in Streamlit).
MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|$~])")
# CommonMark's backslash escapes: any ASCII punctuation after a backslash.
MD_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
# A citation marker "[n]" that escape_md did not produce (its brackets are not escaped).
MARKER_RE = re.compile(r"(?<!\\)\[(\d+)\]")


def escape_md(text: str) -> str:
    """Verbatim text made safe to show as Markdown (no links, HTML, LaTeX or emphasis)."""
    return MD_SPECIAL.sub(r"\\\1", text)


def unescape_md(text: str) -> str:
    """Plain text back from escape_md (and any other CommonMark backslash escape)."""
    return MD_ESCAPED.sub(r"\1", text)


def markers(text: str) -> list[int]:
    """The citation numbers of the "[n]" markers in a reply's Markdown, in order."""
    return [int(m.group(1)) for m in MARKER_RE.finditer(text)]


def safe_url(url: str) -> str:
    """The URL if it is an absolute http(s) link, else "" (nothing else is made clickable)."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        return ""
    return url


def md_link_target(url: str) -> str:
    """A safe URL written so Markdown cannot end the link early."""
    return url.replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")


def tel_href(number: str) -> str:
    """A tel: link for a phone number as written ("1-800-273-8255", "000"), or ""."""
    digits = re.sub(r"[^0-9+*#]", "", number or "")
    return f"tel:{digits}" if digits else ""


def sms_href(number: str, body: str = "") -> str:
    """An sms: link, with a pre-filled body (e.g. HOME for Crisis Text Line), or ""."""
    digits = re.sub(r"[^0-9+]", "", number or "")
    if not digits:
        return ""
    return f"sms:{digits}" + (f"?&body={quote(body)}" if body else "")


# Markup pasted or typed around a question: HTML tags (by element name, attributes only as
# name=value, so "<i want to know>" keeps its words), script and style blocks, comments, Markdown links, emphasis and headings.
_HTML_BLOCK = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)
_HTML_TAG = re.compile(
    r"</?(?:a|abbr|b|big|blockquote|body|br|button|code|del|div|em|font|form|h[1-6]|head|hr|html|i|"
    r"iframe|img|input|ins|kbd|li|link|mark|meta|object|ol|p|pre|q|s|script|small|span|strike|strong|"
    r"style|sub|sup|svg|table|tbody|td|th|thead|title|tr|u|ul)"
    r"""(?:\s+[\w:-]{1,40}\s*=\s*(?:"[^"<>]{0,300}"|'[^'<>]{0,300}'|[^\s<>]{1,300}))*\s*/?>""", re.I)
_MD_LINK = re.compile(r"!?\[([^\]\n]{0,300})\]\([^)\s]{0,2000}\)")
_MD_MARK = re.compile(r"[*_`~]+|^\s{0,3}(?:#{1,6}|>+)\s*", re.M)


def plain_question(text: str) -> str:
    """A message as a question to match against the corpus: markup taken away, words kept
    ("<b>what is spravato</b>", "**what is spravato**" and "[what is spravato](http://x)" all read
    "what is spravato"). Only for matching: the crisis screen reads the message as sent, so
    nothing said inside markup can hide from it. Returns the text unchanged when nothing is left."""
    import html

    out = _HTML_BLOCK.sub(" ", text)
    out = _HTML_COMMENT.sub(" ", out)
    out = _HTML_TAG.sub(" ", out)
    out = _MD_LINK.sub(r"\1", out)
    out = _MD_MARK.sub(" ", html.unescape(out))
    out = re.sub(r"[ \t]+", " ", out).strip()
    return out or text
