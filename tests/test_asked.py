"""Questions asked before (bot.retrieval.asked): a labelled question near the one asked vouches
for the passage the ranking put first, and for nothing else."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bot.chat import Assistant
from bot.retrieval import asked
from evals.build_asked import SETS, collect

ROOT = Path(__file__).resolve().parent.parent
DENVER = "How much does a ketamine infusion cost in Denver?"  # declined on the fixture corpus


def test_the_stored_rows_are_the_dev_sets_as_they_stand():
    rows, _ = collect()
    assert asked.read_rows() == rows, "run python -m evals.build_asked"
    assert {r.origin.split(":")[0] for r in rows} == set(SETS)


def test_the_stored_vectors_belong_to_the_rows_and_the_bundled_model():
    rows = asked.read_rows()
    with np.load(asked.ASKED_NPZ) as z:
        assert str(z["embedder"]) == "all-MiniLM-L6-v2"
        assert str(z["texts_hash"]) == asked.texts_hash(rows)
        assert z["vecs"].shape[0] == len(rows)


def test_no_held_out_question_is_in_the_memory():
    test = {json.loads(x)["id"] for x in (ROOT / "evals/sets/real/test.jsonl").read_text().splitlines() if x.strip()}
    texts = [json.loads(x).get("text") for x in (ROOT / "evals/sets/real/test.jsonl").read_text().splitlines()
             if x.strip()]
    rows = asked.read_rows()
    assert not {r.origin.split(":", 1)[1] for r in rows} & test
    assert not {r.text for r in rows} & set(texts)
    with pytest.raises(ValueError):
        collect(("dev", "test"), keys=set())


def test_loading_with_another_embedder_embeds_the_rows_itself(tmp_path):
    rows = [asked.Asked("will it hurt my bladder", ("a#b",), "dev:1"), asked.Asked("price in denver", (), "dev:2")]
    asked.save(asked.build(rows, lambda t: np.eye(len(t), 4)), "model-a", tmp_path / "a.jsonl", tmp_path / "a.npz")
    same = asked.load("model-a", lambda t: pytest.fail("stored vectors are used"), tmp_path / "a.jsonl", tmp_path / "a.npz")
    assert same.rows == rows and np.allclose(same.vecs, np.eye(2, 4), atol=1e-3)
    calls = []
    other = asked.load("model-b", lambda t: calls.append(t) or np.ones((len(t), 3)), tmp_path / "a.jsonl",
                       tmp_path / "a.npz")
    assert calls == [[r.text for r in rows]] and other.vecs.shape == (2, 3)
    assert [r.origin for r in other.without("dev:1").rows] == ["dev:2"]


@pytest.fixture
def fresh(fixture_settings):
    """An assistant of its own: tests here replace its memory."""
    return Assistant(fixture_settings)


def _memory(embedder, *rows):
    return asked.build([asked.Asked(text, tuple(keys), "dev:x") for text, keys in rows], embedder.encode)


def test_a_labelled_question_vouches_for_the_first_ranked_passage(fresh, embedder):
    fresh.retriever.use_asked_before(None)
    before = fresh.respond([], DENVER)
    assert before.route == "no_answer" and before.audit["no_answer_reason"] == "no_passage_answers"
    top = fresh.retriever.match(DENVER, embedder.encode([DENVER])[0]).best.passage.key
    fresh.retriever.use_asked_before(_memory(embedder, ("what does a ketamine infusion cost in denver", [top])))
    reply = fresh.respond([], DENVER)
    assert reply.route == "answer" and [c.key for c in reply.citations] == [top]
    assert reply.audit["asked_before"] >= asked.BAR


@pytest.mark.parametrize("label", [["another-doc#Another question?"], []])
def test_a_question_labelled_otherwise_or_to_decline_vouches_for_nothing(fresh, embedder, label):
    fresh.retriever.use_asked_before(_memory(embedder, ("what does a ketamine infusion cost in denver", label)))
    reply = fresh.respond([], DENVER)
    assert reply.route == "no_answer" and "asked_before" not in reply.audit


def test_a_distant_question_vouches_for_nothing(fresh, embedder):
    top = fresh.retriever.match(DENVER, embedder.encode([DENVER])[0]).best.passage.key
    fresh.retriever.use_asked_before(_memory(embedder, ("can my dog eat grapes", [top])))
    assert fresh.respond([], DENVER).route == "no_answer"


def test_the_memory_never_answers_past_the_screen(fresh, embedder):
    text = "i want to kill myself, how much ketamine would it take"
    top = fresh.retriever.match(text, embedder.encode([text])[0]).best.passage.key
    fresh.retriever.use_asked_before(_memory(embedder, (text, [top])))
    reply = fresh.respond([], text)
    assert reply.route == "crisis" and not reply.citations
