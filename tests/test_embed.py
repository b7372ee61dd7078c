"""The served encoder: ONNX Runtime against the model card's own sentence-transformers
pipeline, on a fixed sample of the bundled corpus's sentences and passages; backend selection;
no torch on the serving path."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.config import EMBEDDER_BACKENDS, Settings
from bot.retrieval.chunk import chunk_document
from bot.retrieval.corpus import load_corpus
from bot.retrieval.embed import HashEmbedder, OnnxEmbedder, make_embedder

ROOT = Path(__file__).resolve().parent.parent

# The quality gate of issue 13 (every corpus sentence keeps cosine >= 0.99 with torch's
# vector) holds for the default fp32 graph with room to spare. int8 misses it on one-word
# sentences; it stays selectable, held here to what it does keep.
GATE = {"onnx": 0.9999}
INT8 = {"mean": 0.99, "share_over_0.99": 0.98, "min": 0.97}


# A fixed sample of the corpus keeps `make test` quick: every SENTENCE_STEP-th sentence plus the
# SHORTEST sentences (where int8 drifts most), every PASSAGE_STEP-th passage. `make bench`
# (bench.quality) checks every sentence and passage of the corpus against the same gate.
SENTENCE_STEP, PASSAGE_STEP, SHORTEST = 4, 3, 25


@pytest.fixture(scope="module")
def corpus_texts() -> dict[str, list[str]]:
    passages = [p for d in load_corpus(ROOT / "corpus") for p in chunk_document(d)]
    sentences = list(dict.fromkeys(s for p in passages for s in p.sentences))
    shortest = sorted(sentences, key=lambda s: (len(s), s))[:SHORTEST]
    stride = sentences[::SENTENCE_STEP]
    return {"sentences": stride + [x for x in shortest if x not in stride], "stride_sentences": stride,
            "passages": [p.text for p in passages][::PASSAGE_STEP]}


@pytest.fixture(scope="module")
def torch_vectors(corpus_texts) -> dict[str, np.ndarray]:
    ref = make_embedder("torch")
    return {k: ref.encode(corpus_texts[k]) for k in ("sentences", "passages")}


@pytest.fixture(scope="module")
def default_vectors(corpus_texts) -> dict[str, np.ndarray]:
    fast = make_embedder(Settings().embedder_backend)
    return {k: fast.encode(corpus_texts[k]) for k in ("sentences", "passages")}


def test_the_sample_covers_the_corpus(corpus_texts):
    assert len(corpus_texts["sentences"]) >= 300 and len(corpus_texts["passages"]) >= 60


def cosines(backend: str, texts: str, corpus_texts, torch_vectors, got: np.ndarray | None = None) -> np.ndarray:
    if got is None:
        got = make_embedder(backend).encode(corpus_texts[texts])
    want = torch_vectors[texts]
    assert got.shape == want.shape == (len(corpus_texts[texts]), 384)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)
    return (got * want).sum(axis=1)


@pytest.mark.parametrize("texts", ["sentences", "passages"])
def test_the_default_encoder_passes_the_gate_on_the_corpus(texts, corpus_texts, torch_vectors, default_vectors):
    backend = Settings().embedder_backend
    cos = cosines(backend, texts, corpus_texts, torch_vectors, default_vectors[texts])
    worst = int(np.argmin(cos))
    assert cos.min() >= GATE[backend], (backend, float(cos.min()), corpus_texts[texts][worst][:80])


@pytest.mark.parametrize("texts", ["sentences", "passages"])
def test_int8_stays_close_to_torch_on_the_corpus(texts, corpus_texts, torch_vectors):
    cos = cosines("onnx-int8", texts, corpus_texts, torch_vectors)
    assert cos.mean() >= INT8["mean"] and cos.min() >= INT8["min"], (float(cos.mean()), float(cos.min()))
    # the share is a property of typical text: the stride sample, not the added shortest sentences
    shortest_added = len(corpus_texts["sentences"]) - len(corpus_texts["stride_sentences"])
    typical = cos[:len(cos) - shortest_added] if texts == "sentences" else cos
    assert np.mean(typical >= 0.99) >= INT8["share_over_0.99"]


def test_the_default_keeps_torchs_nearest_passage_for_each_sentence(corpus_texts, torch_vectors, default_vectors):
    """Retrieval-level check, each sampled corpus sentence as a query: the default encoder ranks
    the sampled passages as torch does (its best passage is torch's best, everywhere)."""
    sim = default_vectors["sentences"] @ default_vectors["passages"].T
    ref = torch_vectors["sentences"] @ torch_vectors["passages"].T
    assert (sim.argmax(1) == ref.argmax(1)).all()


def test_span_vectors_come_from_one_pass_and_match_encode():
    emb = make_embedder("onnx")
    texts = ["Ketamine is an anaesthetic. It was studied for PTSD.", "One short text."]
    spans = [[(0, 27), (28, len(texts[0]))], [(0, len(texts[1]))]]
    vecs, span_vecs = emb.encode_with_spans(texts, spans)
    assert np.allclose(vecs, emb.encode(texts), atol=1e-5)
    assert [v.shape for v in span_vecs] == [(2, 384), (1, 384)]
    # a span vector is closer to its own sentence than to the other one
    alone = emb.encode(["Ketamine is an anaesthetic.", "It was studied for PTSD."])
    sims = span_vecs[0] @ alone.T
    assert sims[0, 0] > sims[0, 1] and sims[1, 1] > sims[1, 0]


@pytest.mark.parametrize("text", ["", "PTSD", "Esketamine (Spravato®) isn't ketamine.", "word " * 400])
def test_token_count_equals_the_model_tokenizer(text):
    assert make_embedder("onnx").count_tokens(text) == make_embedder("torch").count_tokens(text)


def test_long_text_is_truncated_like_the_model_card():
    long = "ketamine infusion trial " * 300
    cos = float(make_embedder("onnx").encode([long])[0] @ make_embedder("torch").encode([long])[0])
    assert cos > 0.9999


@pytest.mark.parametrize(("env", "backend", "kind"), [
    ({}, "onnx", OnnxEmbedder),
    ({"BOT_EMBEDDER": "onnx-int8"}, "onnx-int8", OnnxEmbedder),
    ({"BOT_EMBEDDER": " Hash "}, "hash", HashEmbedder),
])
def test_backend_from_the_environment(env, backend, kind):
    settings = Settings.from_env(env)
    assert settings.embedder_backend == backend
    assert isinstance(settings.get_embedder(), kind)
    assert settings.get_embedder() is settings.get_embedder()  # built once per process


def test_unknown_backend_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="onnx, onnx-int8, torch, hash"):
        Settings.from_env({"BOT_EMBEDDER": "gpu"})
    assert EMBEDDER_BACKENDS[0] == Settings().embedder_backend == "onnx"


def test_an_injected_embedder_wins():
    fake = HashEmbedder()
    assert Settings(embedder=fake, embedder_backend="torch").get_embedder() is fake


def test_config_names_the_embedder_factory_without_importing_it():
    src = inspect.getsource(Settings.get_embedder)
    assert "from bot" not in src and "import bot" not in src
    done = subprocess.run([sys.executable, "-c", "import sys, bot.config; print(sorted(m for m in sys.modules"
                           " if m.startswith('bot.') and m != 'bot.config'))"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


@pytest.mark.slow
def test_a_fresh_process_answers_without_torch_or_sklearn(fixture_settings):
    code = (
        "import json, sys\n"
        "from bot.config import Settings\n"
        "from bot.chat import respond\n"
        f"s = Settings(data_dir={str(fixture_settings.data_dir)!r}, corpus_dir={str(fixture_settings.corpus_dir)!r})\n"
        "r = respond([], 'What did the 2021 Feder trial of repeated ketamine infusions find?', s)\n"
        "print(json.dumps({'route': r.route, 'heavy': sorted(m for m in ('torch', 'sentence_transformers',"
        " 'transformers', 'sklearn', 'pandas', 'pyarrow') if m in sys.modules)}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out == {"route": "answer", "heavy": []}


def test_a_batch_job_uses_every_core_and_gets_the_same_vectors(monkeypatch):
    """Ingest-sized calls run on a second session with more threads; queries stay on the
    one-thread session; the vectors do not depend on which."""
    from bot.retrieval import embed as embed_mod

    monkeypatch.setenv("BOT_INGEST_THREADS", "2")
    emb = OnnxEmbedder(int8=False)
    texts = [f"Ketamine question number {i} about sessions and side effects" for i in range(embed_mod.BULK_MIN_TEXTS)]
    few = emb.encode(texts[:3])
    assert emb._bulk_session is None  # a query-sized call never makes the bulk session
    many = emb.encode(texts)
    assert emb._bulk_session is not None
    assert np.allclose(many[:3], few, atol=1e-6)
    monkeypatch.setenv("BOT_INGEST_THREADS", "1")
    assert emb._session_for(len(texts)) is emb._session  # capped at one thread: no second session
