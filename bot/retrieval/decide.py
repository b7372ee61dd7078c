"""The decision "does this passage answer this question?": a small logistic model over a
few matching features, calibrated by evals/calibrate_retrieval.py on the dev data only.

Features (each in about 0..1):
- qsim: best cosine between the question and the passage's own questions (heading, `also`);
- psim: cosine between the question and the passage (heading + text);
- lex: share of the question's content words (weighted by rarity) found in the passage;
- lexq: the same share found in the passage's questions only;
- chars: best character n-gram cosine to the passage's questions (typos, Spanish);
- gap: its qsim minus the best qsim of a passage of another document (-0.3..0.3);
- qsimc, psimc, charsc: qsim, psim and chars, each the best over the whole question and its
  clauses (at most MAX_CLAUSES sentences of a run-on message, each embedded once), so the
  context around a question does not dilute it;
- charp: character n-gram cosine to the whole section (heading, `also` and passage text);
- lexs, lexqs: lex and lexq after misspelt words are mapped to the nearest corpus word
  ("insurence", "lamotragine") and brand names to the words the corpus uses;
- gapc: gap by qsimc; pgap: the same margin by psimc;
- known: share of the question's (rarity-weighted, spelling-corrected) content words that the
  corpus uses at all: a question about something it never names ("tricare", "ibogaine") is low;
- hrec: the best share of one of the passage's questions' (rarity-weighted) words that the
  question contains (a long message that includes the question scores high).

A calibration uses a subset of these (`features` in decision.json). The model's probability ranks
passages. Whether the best one answers is decided either by that probability (the threshold) or,
when decision.json holds a `gate`, by a second model over the whole ranking (`Gate`): every
feature of the best passage, the same features' margins over the best passage of another
document, the ranking's probabilities and the question's length. Some passages are near
whatever is asked about their topic; the gate reads how the best one stands against the rest.
The coefficients, threshold, data set, script and date live in bot/retrieval/data/decision.json;
until it exists the named defaults below are used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

FEATURES = ("qsim", "psim", "lex", "lexq", "chars", "gap", "qsimc", "psimc", "charsc", "charp", "lexs", "lexqs",
            "gapc", "pgap", "known", "hrec")  # every feature matching computes, in this column order
LEGACY = FEATURES[:6]  # the features of a decision.json that does not name its own
QSIM = FEATURES.index("qsim")  # the question-to-section-questions cosine (Decision.paraphrase)
DECISION = Path(__file__).parent / "data" / "decision.json"
# Hand-set starting point, used only until the calibration has written DECISION: a question
# whose best paraphrase similarity is about 0.6 with some word overlap sits on the line.
DEFAULT_COEF = (9.0, 4.0, 2.5, 1.0, 2.0, 3.0)
DEFAULT_INTERCEPT = -10.0
DEFAULT_THRESHOLD = 0.5


GATE_EXTRA = ("p", "pgap_other", "p_second", "log_words", "n_likely")


def gate_names() -> tuple[str, ...]:
    """The gate's columns: the best passage's FEATURES, GATE_EXTRA, then each feature's margin
    over the best passage of another document (`d_` + name)."""
    return (*FEATURES, *GATE_EXTRA, *(f"d_{f}" for f in FEATURES))


def gate_vector(X: np.ndarray, probs: np.ndarray, docs: list[str], words: int) -> np.ndarray:
    """The gate's input for one ranking: X (n, len(FEATURES)) and probs of the candidates,
    best first (probs sorted descending), `docs` their documents, `words` the question's length."""
    X = np.asarray(X, dtype=np.float64)
    other = next((i for i in range(1, len(docs)) if docs[i] != docs[0]), min(1, len(docs) - 1))
    second = float(probs[1]) if len(probs) > 1 else 0.0
    extra = [float(probs[0]), float(probs[0] - probs[other]) if other else float(probs[0]), second,
             float(np.log1p(words)), float((np.asarray(probs) > 0.5).sum())]
    return np.concatenate([X[0], extra, X[0] - X[other] if other else X[0]])


@dataclass(frozen=True, eq=False)
class Gate:
    """Gradient-boosted trees (scikit-learn's HistGradientBoostingClassifier, exported to plain
    arrays so the app needs neither pickle nor the training library's internals): P(the best
    passage answers) from gate_vector. Each tree is an (n_nodes, 7) array: feature, threshold,
    left, right, leaf value, is leaf, missing goes left. The best passage answers when that
    probability reaches `threshold`, or when its own ranking probability reaches `sure` (a
    question the ranking is near certain of, as a section's own question put another way)."""

    trees: tuple[np.ndarray, ...]
    baseline: float
    threshold: float
    names: tuple[str, ...] = ()
    sure: float = 1.01  # a best passage with a ranking probability this high answers whatever the trees say

    def __post_init__(self):
        if self.names and tuple(self.names) != gate_names():
            raise ValueError("the gate was fitted on other columns than gate_names(); calibrate again")

    def raw(self, v: np.ndarray) -> float:
        total = self.baseline
        for t in self.trees:
            i = 0
            while not t[i, 5]:
                x = v[int(t[i, 0])]
                go_left = bool(t[i, 6]) if np.isnan(x) else x <= t[i, 1]
                i = int(t[i, 2] if go_left else t[i, 3])
            total += t[i, 4]
        return float(total)

    def prob(self, v: np.ndarray) -> float:
        return float(1.0 / (1.0 + np.exp(-np.clip(self.raw(np.asarray(v, dtype=np.float64)), -40, 40))))

    @classmethod
    def from_sklearn(cls, model, threshold: float, sure: float = 1.01) -> Gate:
        """From a fitted binary HistGradientBoostingClassifier."""
        trees = []
        for (pred,) in model._predictors:  # noqa: SLF001 - the trees, one per boosting round
            n = pred.nodes
            trees.append(np.column_stack([n["feature_idx"], n["num_threshold"], n["left"], n["right"],
                                          n["value"], n["is_leaf"], n["missing_go_to_left"]]).astype(np.float64))
        return cls(tuple(trees), float(np.ravel(model._baseline_prediction)[0]), float(threshold), gate_names(),
                   float(sure))

    def to_json(self) -> dict:
        return {"kind": "gradient-boosted trees", "columns": list(self.names or gate_names()),
                "baseline": float(self.baseline), "threshold": round(float(self.threshold), 6),
                "sure": round(float(self.sure), 4),
                # thresholds and leaf values unrounded: a rounded threshold moves a split
                "trees": [[[float(c) if j in (1, 4) else int(c) for j, c in enumerate(row)] for row in t]
                          for t in self.trees]}

    @classmethod
    def from_json(cls, data: dict) -> Gate:
        return cls(tuple(np.asarray(t, dtype=np.float64).reshape(-1, 7) for t in data["trees"]),
                   float(data["baseline"]), float(data["threshold"]), tuple(data.get("columns") or ()),
                   float(data.get("sure", 1.01)))


@dataclass(frozen=True)
class Decision:
    coef: tuple[float, ...] = DEFAULT_COEF
    intercept: float = DEFAULT_INTERCEPT
    threshold: float = DEFAULT_THRESHOLD  # probability at or above which the best passage answers
    second: float = DEFAULT_THRESHOLD  # a second passage (other document) needs at least this
    source: str = "defaults in bot/retrieval/decide.py"
    features: tuple[str, ...] = LEGACY  # the columns of FEATURES the coefficients weigh
    gate: Gate | None = None  # when set, decides whether the best passage answers (not `threshold`)
    # (stop 27) the best passage also answers, under `threshold`, when it is the passage whose own
    # questions (heading and `also`) are nearest to the question by MiniLM cosine (`qsim`) and
    # that cosine is at least this: a near-paraphrase of a vetted question. None: off.
    paraphrase: float | None = None

    def __post_init__(self):
        if len(self.coef) != len(self.features) or not set(self.features) <= set(FEATURES):
            raise ValueError(f"a decision over {self.features} with {len(self.coef)} coefficients")

    @property
    def columns(self) -> list[int]:
        return [FEATURES.index(f) for f in self.features]

    def prob(self, x: np.ndarray) -> np.ndarray:
        """P(answers) for a feature matrix (n, len(FEATURES)), every feature in FEATURES order."""
        z = np.asarray(x, dtype=np.float64)[:, self.columns] @ np.asarray(self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))

    def with_threshold(self, m: float, source: str) -> Decision:
        """An operator's threshold (BOT_MIN_RELEVANCE): the gate's when there is one, else the
        ranking probability's (and the second passage's bar is never below it)."""
        if self.gate is not None:
            return replace(self, gate=replace(self.gate, threshold=m), source=source)
        return replace(self, threshold=m, second=max(self.second, m), source=source)

    @property
    def needs(self) -> tuple[str, ...]:
        """The features matching must compute: all of them for the gate."""
        if self.gate is not None:
            return FEATURES
        return self.features + (("qsim",) if self.paraphrase is not None and "qsim" not in self.features else ())

    def paraphrased(self, X: np.ndarray) -> bool:
        """The best passage of a ranking (X: best first) is the nearest question's, at or above
        the paraphrase bar."""
        if self.paraphrase is None or not len(X):
            return False
        q = np.asarray(X, dtype=np.float64)[:, QSIM]
        return bool(q[0] >= self.paraphrase and q[0] >= q.max())

    def answers(self, X: np.ndarray, probs: np.ndarray, docs: list[str], words: int) -> tuple[bool, float]:
        """Does the best of a ranking (X, probs, docs: best first) answer? With its confidence:
        the gate's probability, or without a gate the ranking probability itself."""
        if not len(probs):
            return False, 0.0
        if self.gate is None:
            return bool(probs[0] >= self.threshold or self.paraphrased(X)), float(probs[0])
        g = self.gate.prob(gate_vector(X, probs, docs, words))
        return bool(g >= self.gate.threshold or probs[0] >= self.gate.sure), g

    def to_json(self, **info) -> dict:
        out = {"features": list(self.features), "coef": [round(float(c), 5) for c in self.coef],
               "intercept": round(float(self.intercept), 5), "threshold": round(float(self.threshold), 4),
               "second": round(float(self.second), 4), **info}
        if self.gate is not None:
            out["gate"] = self.gate.to_json()
        if self.paraphrase is not None:
            out["paraphrase"] = round(float(self.paraphrase), 4)
        return out


def from_json(data: dict) -> Decision:
    names = tuple(data.get("features") or LEGACY)
    if not set(names) <= set(FEATURES):
        raise ValueError(f"{DECISION}: features {sorted(set(names) - set(FEATURES))} are not computed ({FEATURES})")
    return Decision(tuple(float(c) for c in data["coef"]), float(data["intercept"]), float(data["threshold"]),
                    float(data.get("second", data["threshold"])),
                    f"{DECISION.name} ({data.get('set', '?')}, {data.get('date', '?')})", names,
                    Gate.from_json(data["gate"]) if data.get("gate") else None,
                    float(data["paraphrase"]) if data.get("paraphrase") is not None else None)


@lru_cache(maxsize=1)
def calibrated() -> Decision:
    """The calibrated decision, or the defaults when no calibration was written."""
    if DECISION.is_file():
        return from_json(json.loads(DECISION.read_text()))
    return Decision()
