"""Ingest into a real Chroma in tmp_path: incremental counts, refusal, atomicity."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.config import Settings
from bot.errors import CorpusError
from bot.retrieval.embed import HashEmbedder
from bot.retrieval.ingest import ingest
from bot.retrieval.match import Retriever
from bot.retrieval.store import Store

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "corpus"


@pytest.fixture
def corpus(tmp_path) -> Path:
    dst = tmp_path / "corpus"
    shutil.copytree(FIXTURES, dst)
    return dst


@pytest.fixture
def settings(tmp_path, corpus) -> Settings:
    return Settings(data_dir=tmp_path / "data", corpus_dir=corpus, embedder=CountingEmbedder())


class CountingEmbedder(HashEmbedder):
    """A fake that counts what it embeds, so 'embeds nothing' is checked, not assumed."""

    def __init__(self, fail_after: int | None = None):
        super().__init__()
        self.calls = 0
        self.texts = 0
        self.fail_after = fail_after

    def encode(self, texts, show_progress=False):
        self.calls += 1
        if self.fail_after is not None and self.calls > self.fail_after:
            raise RuntimeError("simulated crash during embedding")
        self.texts += len(texts)
        return super().encode(texts)


def search_ids(settings: Settings, query: str) -> list[str]:
    retriever = Retriever(settings, refresh_seconds=0)
    vec = settings.get_embedder().encode([query])[0]
    hits, _ = retriever.search(query, vec)
    return [h.passage.source_id for h in hits]


def test_first_ingest_then_unchanged_embeds_nothing(settings):
    first = ingest(settings)
    assert (first.documents, first.added, first.kept, first.removed) == (4, first.chunks, 0, 0)
    assert first.chunks == 6  # one passage per ## section (five English, one Spanish)
    before = settings.embedder.texts
    again = ingest(settings)
    assert again.unchanged and again.added == 0 and again.kept == first.chunks and again.removed == 0
    assert settings.embedder.texts == before
    assert again.corpus_hash == first.corpus_hash


def test_edit_reembeds_only_that_file_and_delete_removes(settings, corpus):
    first = ingest(settings)
    path = corpus / "bladder-mini.md"
    path.write_text(path.read_text().replace("Stopping ketamine usually improves",
                                             "Stopping ketamine use usually improves"))
    before = settings.embedder.texts
    edited = ingest(settings)
    assert edited.added == 1 and edited.removed == 1 and edited.kept == first.chunks - 1
    assert settings.embedder.texts - before == 1 + 4  # one passage, its heading and three `also`
    (corpus / "abdallah-2022-mini.md").unlink()
    deleted = ingest(settings)
    assert deleted.documents == 3 and deleted.added == 0 and deleted.removed == 2
    assert "abdallah-2022-mini" not in search_ids(settings, "veterans placebo trial")
    # old generations go once past the grace period; the active one and its predecessor stay
    store = Store(settings)
    store.drop_inactive(grace_seconds=0)
    names = [c if isinstance(c, str) else c.name for c in store.client.list_collections()]
    manifest = store.manifest()
    assert sorted(n for n in names if n.endswith("-passages")) == sorted(
        f"{g}-passages" for g in (manifest["generation"], manifest["previous"]))


def test_malformed_file_refused_and_index_intact(settings, corpus):
    ingest(settings)
    manifest = Store(settings).manifest()
    (corpus / "broken.md").write_text("---\nid: broken\ntitle: x\n---\n" + "words " * 40)
    with pytest.raises(CorpusError) as err:
        ingest(settings)
    assert "broken.md" in str(err.value)
    assert Store(settings).manifest() == manifest
    assert "feder-2021-mini" in search_ids(settings, "midazolam comparison 2021 trial")


def test_crash_mid_ingest_leaves_previous_index_answering(settings, corpus, tmp_path):
    ingest(settings)
    manifest = Store(settings).manifest()
    for f in corpus.rglob("*.md"):
        f.write_text(f.read_text().replace("summary: \"Test fixture", "summary: \"Edited test fixture"))
    crashing = settings.with_(embedder=CountingEmbedder(fail_after=0))
    with pytest.raises(RuntimeError):
        ingest(crashing)
    assert Store(settings).manifest() == manifest
    assert "bladder-mini" in search_ids(settings, "bladder damage")
    recovered = ingest(settings)  # the next run finishes the job
    assert recovered.added == recovered.chunks


def test_a_running_reader_follows_an_ingest_without_a_gap(settings, corpus):
    ingest(settings)
    reader = Retriever(settings, refresh_seconds=3600)  # would not notice the flip by itself
    assert "bladder-mini" in search_ids_with(reader, settings, "bladder damage")
    (corpus / "bladder-mini.md").write_text((corpus / "bladder-mini.md").read_text().replace(
        "Stopping ketamine usually", "Stopping ketamine use usually"))
    ingest(settings)
    ingest(settings.with_(), rebuild=True)  # two flips: the reader's generation is dropped
    Store(settings).drop_inactive(grace_seconds=0)
    assert "bladder-mini" in search_ids_with(reader, settings, "bladder damage")


def search_ids_with(reader: Retriever, settings: Settings, query: str) -> list[str]:
    hits, _ = reader.search(query, settings.get_embedder().encode([query])[0])
    return [h.passage.source_id for h in hits]


def test_two_collections_keep_separate_manifests(settings):
    ingest(settings)
    other = settings.with_(collection="other_corpus")
    assert Store(other).manifest() is None
    ingest(other)
    assert Store(other).manifest()["generation"] != Store(settings).manifest()["generation"]


def test_rebuild_reembeds_everything(settings):
    first = ingest(settings)
    rebuilt = ingest(settings, rebuild=True)
    assert rebuilt.added == first.chunks and rebuilt.kept == 0


def test_passages_store_metadata_and_question_vectors(settings):
    ingest(settings)
    index = Retriever(settings).index()
    for row, passage in enumerate(index.passages):
        for key in ("source_id", "title", "url", "source_type", "section", "year", "reviewed_on", "lang"):
            assert passage.meta.get(key), (passage.id, key)
        assert passage.id.startswith(passage.source_id + ":")
        assert passage.refs and all(r["url"].startswith("https://") for r in passage.refs)
        questions = [q for q, o in zip(index.q_text, index.q_owner, strict=True) if o == row]
        assert questions == [passage.section, *passage.also]
    assert index.P.shape == (len(index.passages), 384) and index.Q.shape == (len(index.q_text), 384)
    assert np.allclose(np.linalg.norm(index.Q, axis=1), 1.0, atol=1e-4)
    assert {p.lang for p in index.passages} == {"en", "es"}


def test_ingest_cli_refuses_with_clear_message(tmp_path, corpus):
    import subprocess
    import sys

    (corpus / "bad.md").write_text("---\nid: bad\nsource_type: blog\n---\n" + "text " * 30)
    proc = subprocess.run([sys.executable, "ingest.py", "--corpus", str(corpus), "--quiet"],
                          capture_output=True, text=True, cwd=Path(__file__).parent.parent, timeout=120)
    assert proc.returncode == 2
    assert "bad.md" in proc.stderr and "left as it was" in proc.stderr
