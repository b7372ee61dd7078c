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

A calibration uses a subset of these (`features` in decision.json). The model's probability ranks passages and decides whether the best one answers (the
threshold). The coefficients, threshold, data set, script and date live in
bot/retrieval/data/decision.json; until it exists the named defaults below are used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

FEATURES = ("qsim", "psim", "lex", "lexq", "chars", "gap", "qsimc", "psimc", "charsc", "charp", "lexs", "lexqs",
            "gapc", "pgap", "known", "hrec")  # every feature matching computes, in this column order
LEGACY = FEATURES[:6]  # the features of a decision.json that does not name its own
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
    features: tuple[str, ...] = LEGACY  # the columns of FEATURES the coefficients weigh

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

    def to_json(self, **info) -> dict:
        return {"features": list(self.features), "coef": [round(float(c), 5) for c in self.coef],
                "intercept": round(float(self.intercept), 5), "threshold": round(float(self.threshold), 4),
                "second": round(float(self.second), 4), **info}


def from_json(data: dict) -> Decision:
    names = tuple(data.get("features") or LEGACY)
    if not set(names) <= set(FEATURES):
        raise ValueError(f"{DECISION}: features {sorted(set(names) - set(FEATURES))} are not computed ({FEATURES})")
    return Decision(tuple(float(c) for c in data["coef"]), float(data["intercept"]), float(data["threshold"]),
                    float(data.get("second", data["threshold"])),
                    f"{DECISION.name} ({data.get('set', '?')}, {data.get('date', '?')})", names)


@lru_cache(maxsize=1)
def calibrated() -> Decision:
    """The calibrated decision, or the defaults when no calibration was written."""
    if DECISION.is_file():
        return from_json(json.loads(DECISION.read_text()))
    return Decision()
