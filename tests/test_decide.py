"""The answer decision (bot.retrieval.decide): the gate's exported trees score as the fitted
ones, survive decision.json, and decide instead of the ranking probability; the calibration
recipe with a gate answers what it should on data where the answer is known."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bot.config import Settings
from bot.retrieval.decide import (
    FEATURES,
    Decision,
    Gate,
    from_json,
    gate_names,
    gate_vector,
)
from bot.retrieval.match import Retriever
from evals.calibrate_retrieval import Query, Row, evaluate, fit_gate, train


def _fitted(seed: int = 0, n: int = 600):
    rng = np.random.default_rng(seed)
    X = rng.random((n, len(gate_names())))
    y = (X[:, 0] + 0.5 * X[:, 20] - 0.3 * X[:, 30] + 0.2 * rng.standard_normal(n) > 0.7).astype(int)
    return X, y, fit_gate(X, y, np.ones(n))


def test_an_exported_gate_scores_as_the_fitted_trees():
    X, _, model = _fitted()
    gate = Gate.from_sklearn(model, 0.5)
    probe = np.random.default_rng(1).random((200, X.shape[1]))
    probe[0, 0] = np.nan  # a missing value takes the branch the trees learned for it
    want = model.predict_proba(probe)[:, 1]
    got = np.array([gate.prob(v) for v in probe])
    assert np.abs(got - want).max() < 1e-6
    assert want.min() < 0.2 and want.max() > 0.8  # the trees learned something to compare


def test_the_gate_survives_decision_json():
    X, _, model = _fitted()
    d = Decision((1.0,) * 6, -3.0, 0.7, 0.9, "test", FEATURES[:6], Gate.from_sklearn(model, 0.42))
    back = from_json(json.loads(json.dumps(d.to_json(date="today"))))
    assert back.gate is not None and back.gate.threshold == pytest.approx(0.42)
    for v in X[:50]:
        assert back.gate.prob(v) == pytest.approx(d.gate.prob(v), abs=1e-5)


def test_a_gate_fitted_on_other_columns_is_refused():
    with pytest.raises(ValueError, match="other columns"):
        Gate((np.array([[0, 0, 0, 0, 1.0, 1, 1]]),), 0.0, 0.5, ("qsim", "psim"))


def _constant_gate(raw: float, threshold: float = 0.5) -> Gate:
    return Gate((np.array([[0, 0, 0, 0, raw, 1, 1]], dtype=float),), 0.0, threshold)


def test_the_gate_decides_not_the_ranking_probability():
    X = np.full((3, len(FEATURES)), 0.9)
    probs, docs = np.array([0.99, 0.5, 0.1]), ["a", "b", "c"]
    assert Decision().answers(X, probs, docs, 5) == (True, 0.99)  # no gate: the threshold on p
    no = Decision(gate=_constant_gate(-4.0))
    yes = Decision(gate=_constant_gate(4.0))
    assert no.answers(X, probs, docs, 5)[0] is False
    assert yes.answers(X, probs * 0.1, docs, 5)[0] is True
    assert no.needs == FEATURES  # the gate reads every feature of the best passage


def test_gate_vector_measures_the_margin_over_another_document():
    X = np.array([[0.9] * len(FEATURES), [0.8] * len(FEATURES), [0.3] * len(FEATURES)])
    v = dict(zip(gate_names(), gate_vector(X, np.array([0.95, 0.9, 0.2]), ["a", "a", "b"], 7), strict=True))
    assert v["p"] == 0.95 and v["p_second"] == 0.9
    assert v["pgap_other"] == pytest.approx(0.75)  # over "b", not over the same document's 0.9
    assert v["d_qsim"] == pytest.approx(0.6) and v["n_likely"] == 2.0
    assert v["log_words"] == pytest.approx(np.log1p(7))


def test_an_operator_threshold_overrides_the_deciding_threshold(tmp_path):
    gated = Decision(gate=_constant_gate(0.0)).with_threshold(0.99, "BOT_MIN_RELEVANCE")
    assert gated.gate.threshold == 0.99 and gated.threshold == Decision().threshold
    plain = Decision(second=0.6).with_threshold(0.8, "BOT_MIN_RELEVANCE")
    assert (plain.threshold, plain.second, plain.source) == (0.8, 0.8, "BOT_MIN_RELEVANCE")
    d = Retriever(Settings(data_dir=tmp_path, min_relevance=0.42)).decision  # what the app uses
    assert d.source == "BOT_MIN_RELEVANCE" and (d.gate.threshold if d.gate else d.threshold) == 0.42


def _rows(n: int, seed: int) -> list[Row]:
    """Questions against 8 passages of 8 documents: an answerable one has one right passage
    that stands out on every feature; one to decline has several passages about equally near."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        answerable = i % 3 != 0
        X = rng.random((8, len(FEATURES))) * 0.5
        if answerable:
            X[i % 8] += 0.3 + 0.2 * rng.random()
        else:
            X[:3] += 0.15 + 0.1 * rng.random()
        y = np.zeros(8, dtype=bool)
        if answerable:
            y[i % 8] = True
        right = {f"d{i % 8}#h"} if answerable else set()
        q = Query(f"question {i}", "en", right, set(), set(), "dev.jsonl")
        rows.append(Row(q, f"page:{i % 40}", X, y, [f"d{j}" for j in range(8)]))
    return rows


def test_the_recipe_with_a_gate_answers_and_declines_on_known_data():
    d = train(_rows(600, 0), gate=True)
    assert d.gate is not None
    got = evaluate(_rows(300, 1), d)
    assert got["answered_right_rate"] >= 0.9 and got["declined_rate"] >= 0.85
    assert got["answered_wrong"] <= 3


def _ranking(qsims: list[float]) -> np.ndarray:
    X = np.zeros((len(qsims), len(FEATURES)))
    X[:, FEATURES.index("qsim")] = qsims
    return X


def test_a_near_paraphrase_of_a_vetted_question_answers_under_the_threshold():
    """Decision.paraphrase (stop 27): under the threshold, the best passage answers when its own
    questions are the nearest to the question and at least the bar; otherwise it declines."""
    d = Decision(threshold=0.9, paraphrase=0.86)
    low = np.array([0.5, 0.4, 0.3])
    assert d.answers(_ranking([0.90, 0.70, 0.60]), low, ["a", "b", "c"], 8)[0]
    assert not d.answers(_ranking([0.85, 0.70, 0.60]), low, ["a", "b", "c"], 8)[0]  # under the bar
    assert not d.answers(_ranking([0.88, 0.91, 0.60]), low, ["a", "b", "c"], 8)[0]  # another is nearer
    assert not Decision(threshold=0.9).answers(_ranking([0.99, 0.1, 0.1]), low, ["a", "b", "c"], 8)[0]
    assert "qsim" in d.needs


def test_the_paraphrase_bar_survives_decision_json_and_its_absence_too():
    d = Decision(threshold=0.9, paraphrase=0.86)
    assert from_json(json.loads(json.dumps(d.to_json()))).paraphrase == pytest.approx(0.86)
    assert from_json(json.loads(json.dumps(Decision().to_json()))).paraphrase is None


def test_the_shipped_decision_names_its_paraphrase_bar_and_where_it_came_from():
    from bot.retrieval.decide import DECISION

    data = json.loads(DECISION.read_text())
    assert 0.78 <= data["paraphrase"] <= 0.95
    assert data["paraphrase_info"]["script"].startswith("evals/calibrate_retrieval.py")
    assert "test.jsonl" not in data["paraphrase_info"]["set"]
