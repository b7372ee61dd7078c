"""Load corpus files and validate their front matter.

A document that is not fully recorded (who wrote it, where it lives, what kind of
source it is, who reviewed it and until when) is refused with a message naming the
file and the field, before anything touches the index.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import yaml

from bot.errors import CorpusError
from bot.types import SOURCE_TYPES, Document

SUFFIXES = (".md",)  # corpus/claims/*.yaml and other data files are not documents
LANGS = ("en", "es")
TRANSLATIONS = "es"  # corpus/es/<same id>.md: Spanish versions of the English documents
REQUIRED = ("id", "title", "year", "source_type", "references", "reviewed_by", "reviewed_on",
            "review_by", "licence", "summary")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,80}$")
FRONT_RE = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n?(.*)\Z", re.S)


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so a bad date is reported with its field name."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _date(path: str, meta: dict[str, Any], field: str) -> dt.date:
    value = meta.get(field)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise CorpusError(path, field, f"not a date in YYYY-MM-DD form: {value!r}") from None


def validate(path: str, meta: Any) -> dict[str, Any]:
    """Check one file's front matter; return it normalised (dates as ISO strings)."""
    if not isinstance(meta, dict):
        raise CorpusError(path, "front matter", "must be a YAML mapping of fields")
    for field in REQUIRED:
        value = meta.get(field)
        if value is None or (isinstance(value, str | list) and not value):
            raise CorpusError(path, field, "missing or empty")
    if not (meta.get("authors") or meta.get("publisher")):
        raise CorpusError(path, "authors", "missing: give authors or publisher")
    if not (meta.get("url") or meta.get("doi")):
        raise CorpusError(path, "url", "missing: give url or doi")
    if not isinstance(meta["id"], str) or not ID_RE.match(meta["id"]):
        raise CorpusError(path, "id", "must be a lower-case slug (a-z, 0-9, . _ -)")
    if meta["source_type"] not in SOURCE_TYPES:
        raise CorpusError(path, "source_type",
                          f"unknown type {meta['source_type']!r}; expected one of {', '.join(SOURCE_TYPES)}")
    year = meta["year"]
    if not (year == "unknown" or (isinstance(year, int) and 1800 <= year <= 2100)):
        raise CorpusError(path, "year", f"must be a four-digit year or 'unknown': {year!r}")
    meta["references"] = _references(path, meta["references"])
    lang = meta.get("lang", "en")
    if lang not in LANGS:
        raise CorpusError(path, "lang", f"must be one of {', '.join(LANGS)}: {lang!r}")
    if lang != "en":
        for field in ("translation_of", "translation_status"):
            if not meta.get(field):
                raise CorpusError(path, field, "missing or empty (required for a translation)")
    url = str(meta.get("url") or "")
    if url and not re.match(r"^(https?://\S+|urn:\S+)$", url):
        raise CorpusError(path, "url", f"must be an http(s) URL or a urn: {url!r}")
    reviewed_on, review_by = _date(path, meta, "reviewed_on"), _date(path, meta, "review_by")
    if review_by < reviewed_on:
        raise CorpusError(path, "review_by", "is earlier than reviewed_on")
    out = dict(meta)
    out["reviewed_on"], out["review_by"] = reviewed_on.isoformat(), review_by.isoformat()
    if out.get("doi") and not url:
        out["url"] = f"https://doi.org/{out['doi']}"
    return out


KEY_RE = re.compile(r"\[([A-Za-z]+\d+[a-z]?)\]\s*$")


def _references(path: str, refs: Any) -> list[dict[str, str]]:
    """References as rows {key, cite, url}. The v1 shape, a list of strings ending in "[S1]",
    is still accepted (key from the tag, no URL of its own)."""
    if not isinstance(refs, list) or not refs:
        raise CorpusError(path, "references", "must be a list of {key, cite, url} rows")
    out: list[dict[str, str]] = []
    for i, ref in enumerate(refs, start=1):
        if isinstance(ref, str) and ref.strip():
            m = KEY_RE.search(ref)
            key = m.group(1) if m and m.group(1) not in {r["key"] for r in out} else f"R{i}"
            out.append({"key": key, "cite": ref.strip(), "url": ""})
            continue
        if not isinstance(ref, dict):
            raise CorpusError(path, "references", f"row {i} must be a mapping with key, cite and url")
        for field in ("key", "cite", "url"):
            if not isinstance(ref.get(field), str | int) or not str(ref.get(field)).strip():
                raise CorpusError(path, "references", f"row {i} lacks {field!r}")
        url = str(ref["url"]).strip()
        if not re.match(r"^(https?://\S+|urn:\S+)$", url):
            raise CorpusError(path, "references", f"row {i} url must be an http(s) URL or a urn: {url!r}")
        out.append({"key": str(ref["key"]).strip(), "cite": str(ref["cite"]).strip(), "url": url})
    keys = [r["key"] for r in out]
    if len(set(keys)) != len(keys):
        raise CorpusError(path, "references", "duplicate reference key")
    return out


def clean_text(text: str) -> str:
    """NFC, no control or zero-width characters, Unix newlines."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf"))


def load_file(path: Path) -> Document:
    """Read and validate one corpus file."""
    name = str(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(name, "encoding", f"not UTF-8 text ({exc.reason})") from None
    match = FRONT_RE.match(raw)
    if not match:
        raise CorpusError(name, "front matter", "missing: the file must start with a '---' YAML block")
    try:
        meta = yaml.load(match.group(1), Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise CorpusError(name, "front matter", f"invalid YAML: {str(exc).splitlines()[0]}") from None
    meta = validate(name, meta)
    if meta["id"] != path.stem:
        raise CorpusError(name, "id", f"{meta['id']!r} must equal the file name {path.stem!r}")
    body = clean_text(match.group(2)).strip()
    if len(body.split()) < 20:
        raise CorpusError(name, "body", "too short to be a source (under 20 words)")
    digest = hashlib.sha256(
        (json.dumps(meta, sort_keys=True, default=str) + "\n" + body).encode("utf-8")
    ).hexdigest()
    return Document(id=meta["id"], path=name, meta=meta, body=body, content_hash=digest)


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return [p for p in sorted(folder.iterdir()) if p.is_file() and p.suffix.lower() in SUFFIXES
            and not p.name.startswith((".", "_")) and p.name.lower() != "readme.md"]


def load_corpus(corpus_dir: Path) -> list[Document]:
    """Every document in corpus_dir (English) and corpus_dir/es (Spanish versions), validated;
    raises CorpusError on the first bad file."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise CorpusError(str(corpus_dir), "corpus", "directory not found")
    docs: list[Document] = []
    for lang, folder in (("en", corpus_dir), (TRANSLATIONS, corpus_dir / TRANSLATIONS)):
        seen: dict[str, str] = {}
        for path in _files(folder):
            doc = load_file(path)
            if doc.lang != lang:
                raise CorpusError(doc.path, "lang", f"a file in {folder.name}/ must say lang: {lang}")
            if doc.id in seen:
                raise CorpusError(doc.path, "id", f"duplicate of {seen[doc.id]}")
            seen[doc.id] = doc.path
            docs.append(doc)
    if not docs:
        raise CorpusError(str(corpus_dir), "corpus", "no documents (.md) found")
    english = {d.id for d in docs if d.lang == "en"}
    for doc in docs:
        if doc.lang != "en" and doc.meta["translation_of"] not in english:
            raise CorpusError(doc.path, "translation_of", f"no English document {doc.meta['translation_of']!r}")
    return docs
