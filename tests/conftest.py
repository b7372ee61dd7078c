"""Shared fixtures: real MiniLM, real Chroma in temporary folders, no network, no patch()."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
