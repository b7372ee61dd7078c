"""The decision "does this passage answer this question?": a small logistic model over a
few matching features, calibrated by evals/calibrate_retrieval.py on the dev data only.

Features (each in about 0..1):
- qsim: best cosine between the question and the passage's own questions (heading, `also`);
- psim: cosine between the question and the passage (heading + text);
- lex: share of the question's content words (weighted by rarity) found in the passage;
- lexq: the same share found in the passage's questions only;
- chars: best character n-gram cosine to the passage's questions (typos, Spanish);
- gap: its qsim minus the best qsim of a passage of another document (-0.3..0.3).

The model's probability ranks passages and decides whether the best one answers (the
threshold). The coefficients, threshold, data set, script and date live in
bot/retrieval/data/decision.json; until it exists the named defaults below are used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

FEATURES = ("qsim", "psim", "lex", "lexq", "chars", "gap")
DECISION = Path(__file__).parent / "data" / "decision.json"
# Hand-set starting point, used only until the calibration has written DECISION: a question
# whose best paraphrase similarity is about 0.6 with some word overlap sits on the line.
DEFAULT_COEF = (9.0, 4.0, 2.5, 1.0, 2.0, 3.0)
DEFAULT_INTERCEPT = -10.0
DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class Decision:
    coef: tuple[float, ...] = DEFAULT_COEF
    intercept: float = DEFAULT_INTERCEPT
    threshold: float = DEFAULT_THRESHOLD  # probability at or above which the best passage answers
    second: float = DEFAULT_THRESHOLD  # a second passage (other document) needs at least this
    source: str = "defaults in bot/retrieval/decide.py"

    def prob(self, x: np.ndarray) -> np.ndarray:
        """P(answers) for a feature matrix (n, len(FEATURES))."""
        z = np.asarray(x, dtype=np.float64) @ np.asarray(self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))

    def to_json(self, **info) -> dict:
        return {"features": list(FEATURES), "coef": [round(float(c), 5) for c in self.coef],
                "intercept": round(float(self.intercept), 5), "threshold": round(float(self.threshold), 4),
                "second": round(float(self.second), 4), **info}


def from_json(data: dict) -> Decision:
    if list(data.get("features", [])) != list(FEATURES):
        raise ValueError(f"{DECISION}: features {data.get('features')} do not match {FEATURES}")
    return Decision(tuple(float(c) for c in data["coef"]), float(data["intercept"]), float(data["threshold"]),
                    float(data.get("second", data["threshold"])),
                    f"{DECISION.name} ({data.get('set', '?')}, {data.get('date', '?')})")


@lru_cache(maxsize=1)
def calibrated() -> Decision:
    """The calibrated decision, or the defaults when no calibration was written."""
    if DECISION.is_file():
        return from_json(json.loads(DECISION.read_text()))
    return Decision()
