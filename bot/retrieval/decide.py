"""The decision "does this passage answer this question?": a small logistic model over a
few matching features, calibrated by evals/calibrate_retrieval.py on the dev data only.

Features (each in about 0..1):
- qsim: best cosine between the question and the passage's own questions (heading, `also`);
- psim: cosine between the question and the passage (heading + text);
- lex: share of the question's content words (weighted by rarity) found in the passage;
- lexq: the same share found in the passage's questions only;
- chars: best character n-gram cosine to the passage's questions (typos, Spanish);
- gap: its qsim minus the best qsim of a passage of another document (-0.3..0.3);
- pgap: the same margin by psim (-0.3..0.3);
- agree: 1 when its document is the top document both by qsim and by psim, 0.5 by one of them;
- known: share of the question's content-word weight on words the corpus uses at all (a
  question about something the corpus never names, "seizures", "tricare", scores low);
- hrec: best share of one of the passage's questions' (rarity-weighted) words that the
  question contains (a long, run-on message that includes the question scores high).

The model's probability ranks passages. Whether the best one answers is a second small
logistic model over the best candidate (ACCEPT_FEATURES: its ranking logit, its margin over
the best passage of another document, and a few of its features), compared with the
threshold; without a fitted acceptance model the best passage's probability is compared. The coefficients, threshold, data set, script and date live in
bot/retrieval/data/decision.json; until it exists the named defaults below are used.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

FEATURES = ("qsim", "psim", "lex", "lexq", "chars", "gap", "pgap", "agree", "known", "hrec")
ACCEPT_FEATURES = ("z", "zgap", "qsim", "chars", "lex", "lexq", "agree", "known", "hrec")
ZGAP_CLIP = 6.0  # a ranking-logit margin beyond this says nothing more
DECISION = Path(__file__).parent / "data" / "decision.json"
# Hand-set starting point, used only until the calibration has written DECISION: a question
# whose best paraphrase similarity is about 0.6 with some word overlap sits on the line.
DEFAULT_COEF = (9.0, 4.0, 2.5, 1.0, 2.0, 3.0, 0.0, 0.0, 0.0, 0.0)
DEFAULT_INTERCEPT = -10.0
DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class Decision:
    coef: tuple[float, ...] = DEFAULT_COEF
    intercept: float = DEFAULT_INTERCEPT
    threshold: float = DEFAULT_THRESHOLD  # probability at or above which the best passage answers
    second: float = DEFAULT_THRESHOLD  # a second passage (other document) needs at least this
    source: str = "defaults in bot/retrieval/decide.py"
    accept_coef: tuple[float, ...] = ()  # over ACCEPT_FEATURES; empty: the best probability decides
    accept_intercept: float = 0.0

    def logit(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x, dtype=np.float64) @ np.asarray(self.coef) + self.intercept

    def prob(self, x: np.ndarray) -> np.ndarray:
        """P(answers) for a feature matrix (n, len(FEATURES))."""
        return 1.0 / (1.0 + np.exp(-np.clip(self.logit(x), -40, 40)))

    def confidence(self, x: np.ndarray, docs: Sequence[str]) -> float:
        """P(the best candidate answers), from the candidates' features (n, len(FEATURES))
        and their documents; compared with the threshold."""
        if not len(x):
            return 0.0
        z = self.logit(x)
        if not self.accept_coef:
            return float(1.0 / (1.0 + np.exp(-np.clip(z.max(), -40, 40))))
        a = accept_features(x, z, docs) @ np.asarray(self.accept_coef) + self.accept_intercept
        return float(1.0 / (1.0 + np.exp(-np.clip(a, -40, 40))))

    def to_json(self, **info) -> dict:
        return {"features": list(FEATURES), "coef": [round(float(c), 5) for c in self.coef],
                "intercept": round(float(self.intercept), 5),
                "accept_features": list(ACCEPT_FEATURES),
                "accept_coef": [round(float(c), 5) for c in self.accept_coef],
                "accept_intercept": round(float(self.accept_intercept), 5),
                "threshold": round(float(self.threshold), 4), "second": round(float(self.second), 4), **info}


def accept_features(x: np.ndarray, z: np.ndarray, docs: Sequence[str]) -> np.ndarray:
    """ACCEPT_FEATURES of the best candidate: its ranking logit, the margin of that logit over
    the best candidate of another document, and its own qsim, chars, lex, lexq, agree, known, hrec."""
    x = np.asarray(x, dtype=np.float64)
    top = int(np.argmax(z))
    other = [z[j] for j in range(len(z)) if docs[j] != docs[top]]
    zgap = float(np.clip(z[top] - max(other), 0.0, ZGAP_CLIP)) if other else ZGAP_CLIP
    f = dict(zip(FEATURES, x[top], strict=True))
    return np.array([z[top], zgap, f["qsim"], f["chars"], f["lex"], f["lexq"], f["agree"], f["known"], f["hrec"]])


def from_json(data: dict) -> Decision:
    if list(data.get("features", [])) != list(FEATURES):
        raise ValueError(f"{DECISION}: features {data.get('features')} do not match {FEATURES}")
    accept = tuple(float(c) for c in data.get("accept_coef", ()))
    if accept and list(data.get("accept_features", [])) != list(ACCEPT_FEATURES):
        raise ValueError(f"{DECISION}: accept_features {data.get('accept_features')} do not match {ACCEPT_FEATURES}")
    return Decision(tuple(float(c) for c in data["coef"]), float(data["intercept"]), float(data["threshold"]),
                    float(data.get("second", data["threshold"])),
                    f"{DECISION.name} ({data.get('set', '?')}, {data.get('date', '?')})",
                    accept, float(data.get("accept_intercept", 0.0)))


@lru_cache(maxsize=1)
def calibrated() -> Decision:
    """The calibrated decision, or the defaults when no calibration was written."""
    if DECISION.is_file():
        return from_json(json.loads(DECISION.read_text()))
    return Decision()
