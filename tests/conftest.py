"""Shared fixtures: real MiniLM, real Chroma in temporary folders, no network, no patch()."""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

import pytest
import yaml

from bot.config import Settings, offline_environment

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_CORPUS = ROOT / "tests" / "fixtures" / "corpus"
offline_environment()


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path, monkeypatch):
    """Nothing a test does touches ./data; subprocesses inherit the same isolation."""
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("BOT_CHROMA_URL", raising=False)
    monkeypatch.delenv("BOT_LLM", raising=False)
    monkeypatch.delenv("BOT_LOG_MESSAGES", raising=False)


@pytest.fixture(scope="session")
def embedder():
    from bot.retrieval.embed import default_embedder

    return default_embedder()


def _ingested(tmp_path_factory, name: str, corpus: Path, embedder) -> Settings:
    from bot.retrieval.ingest import ingest

    settings = Settings(data_dir=tmp_path_factory.mktemp(name), corpus_dir=corpus, embedder=embedder)
    ingest(settings)
    return settings


@pytest.fixture(scope="session")
def fixture_settings(tmp_path_factory, embedder) -> Settings:
    """The three-document test corpus, ingested once per session (read-only for tests)."""
    return _ingested(tmp_path_factory, "fixture-index", FIXTURE_CORPUS, embedder)


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory, embedder) -> Settings:
    """The real bundled corpus, ingested once per session (read-only for tests)."""
    return _ingested(tmp_path_factory, "corpus-index", ROOT / "corpus", embedder)


@pytest.fixture
def env_for(monkeypatch):
    """Point subprocesses (CLI, app) at a given Settings' data and corpus folders."""

    def apply(settings: Settings) -> dict[str, str]:
        monkeypatch.setenv("BOT_DATA_DIR", str(settings.data_dir))
        monkeypatch.setenv("BOT_CORPUS_DIR", str(settings.corpus_dir))
        return dict(os.environ)

    return apply


# --- Verbatim against the vetted files themselves ------------------------------------------
# A reply's own Citation.passage is output of the code under test, so a shown sentence is
# checked against the corpus file it came from, read here without bot/.
_MARK = re.compile(r"(?<!\\)\[(\d+)\]")
_LABEL = re.compile(r"(?<!\\)\*(?:[^*\\]|\\.)+(?<!\\)\*")  # *Claim:*-style labels, not source text
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def _fold(text: str) -> str:
    return " ".join(text.split())


def source_sections(corpus_dir: Path) -> dict[tuple[str, str], str]:
    """(document id, `##` heading) -> the section's text without comments, whitespace folded."""
    files = tuple((str(p), p.stat().st_mtime_ns) for p in sorted(Path(corpus_dir).rglob("*.md")))
    return _sections(files)


@functools.lru_cache(maxsize=8)
def _sections(files: tuple[tuple[str, int], ...]) -> dict[tuple[str, str], str]:
    out = {}
    for path in (Path(f) for f, _ in files):
        text = path.read_text(encoding="utf-8")
        if not text.startswith("---\n"):
            continue
        _, front, body = text.split("---\n", 2)
        doc = yaml.safe_load(front)["id"]
        for chunk in re.split(r"^## ", body, flags=re.M)[1:]:
            heading, _, rest = chunk.partition("\n")
            out[(doc, heading.strip())] = _fold(re.sub(r"<!--.*?-->", " ", rest, flags=re.S))
    return out


def shown_runs(text: str) -> list[tuple[int, str]]:
    """(n, the shown text that the marker [n] closes), lead paragraphs and labels left out."""
    pieces = _MARK.split(text)
    runs = []
    for i in range(1, len(pieces), 2):
        run = pieces[i - 1].split("\n\n")[-1].split("\n---\n")[-1]
        run = _fold(_ESCAPED.sub(r"\1", _LABEL.sub("", run))).lstrip(" .,;:!?")
        runs.append((int(pieces[i]), run))
    return runs


@pytest.fixture
def assert_verbatim():
    """assert_verbatim(reply_or_json, corpus_dir, whole=False): every run of text ending in [n]
    is non-empty and verbatim in the corpus section that citation n names, and each citation's
    passage is in (with whole=True: is) that section."""

    def check(reply, corpus_dir: Path, whole: bool = False) -> None:
        if isinstance(reply, dict):
            text, cites = reply["text"], [(c["n"], c["source_id"], c["section"], c["passage"]) for c in reply["citations"]]
        else:
            text, cites = reply.text, [(c.n, c.source_id, c.section, c.passage) for c in reply.citations]
        sections = source_sections(corpus_dir)
        source = {}
        for n, doc, heading, passage in cites:
            assert (doc, heading) in sections, f"[{n}] cites {doc}#{heading}, which no corpus file has"
            source[n] = sections[(doc, heading)]
            if whole:
                assert _fold(passage) == source[n], f"[{n}] is not its section whole"
            else:
                assert _fold(passage) in source[n], f"[{n}] passage is not in its section"
        runs = shown_runs(text)
        assert runs, "no cited text shown"
        for n, run in runs:
            assert n in source, f"marker [{n}] has no citation"
            assert run, f"marker [{n}] closes no text"
            assert run in source[n], f"not verbatim in [{n}]: {run!r}"

    return check
