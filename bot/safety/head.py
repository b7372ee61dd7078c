"""The patient-words head of the crisis screen (stop 33).

The learned model (bot/safety/model.py) learned crisis from long public posts and tweets. A
patient of this assistant says it otherwise, often veiled and through the treatment: troches
saved up, "no point booking the follow-up", thanks to the nurse for everything. The
nearest-exemplar tier (bot/safety/near.py) catches a message close to one the team wrote; this
head generalises over them: a logistic regression on the MiniLM vector and the hashed word and
character n-grams of bot/safety/model.py, trained only on
team-written messages (crisis and harm against hard look-alikes about the same treatment), so
the leave-one-source-out report on public data stays blind.

It adds a crisis where its probability reaches the stored threshold, behind the same gates as
the nearest-exemplar tier (bot/safety/screen.py), and only with the vector it was trained on:
with the embedder down, or another embedder, it adds nothing and the rest of the screen works.
On a message naming none of the assistant's topics its crisis class needs the public model to agree
(`screen.team_read`, `screen.wide_agrees`, stop 34), and its harm class the harm gate (another
person named; stop 36); below its threshold, from 0.50, the reply checks in
(`screen.CHECK_IN_MIN`).

Trained, and its threshold picked, by `python -m evals.train_head` (evals/experiments/patient_head.md).
Only the weights are stored (bot/safety/data/patient_head.npz), never the texts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent / "data"
HEAD_PATH = DATA / "patient_head.npz"
log = logging.getLogger(__name__)


NOT_RISK, CRISIS, HARM = 0, 1, 2  # the rows of the weights


@dataclass(frozen=True)
class Head:
    w: np.ndarray  # (3, dim) float32: not risk, crisis for oneself, harm to another person
    w_ng: np.ndarray  # (3, model.NGRAM_DIM) float32: the same over the hashed n-grams of the text
    b: np.ndarray  # (3,)
    threshold: float  # the risk probability (crisis + harm) at which the head adds a crisis
    embedder: str
    sources: str  # fingerprint of the training files

    def probs(self, vec: np.ndarray, text: str) -> np.ndarray:
        """(not risk, crisis, harm) probabilities for a message's vector and text; all on "not
        risk" when the vector's size is not the head's."""
        from bot.safety.model import ngram_features

        v = np.asarray(vec, dtype=np.float32).ravel()
        if v.shape[0] != self.w.shape[1]:
            return np.array([1.0, 0.0, 0.0])
        v = v / (np.linalg.norm(v) or 1.0)
        idx, vals = ngram_features(text)
        z = self.w @ v + self.b
        if len(idx):
            z = z + self.w_ng[:, idx] @ vals
        e = np.exp(z - z.max())
        return e / e.sum()

    def risk(self, vec: np.ndarray, text: str) -> tuple[float, int]:
        """(crisis + harm probability, CRISIS or HARM, whichever is likelier)."""
        p = self.probs(vec, text)
        return float(p[CRISIS] + p[HARM]), HARM if p[HARM] > p[CRISIS] else CRISIS


@lru_cache(maxsize=2)
def load(path: Path = HEAD_PATH) -> Head | None:
    """The stored head, or None when it is missing or unreadable: the rest of the screen keeps
    working without it."""
    if not path.exists():
        return None
    try:
        data = np.load(path, allow_pickle=False)
        return Head(data["w"].astype(np.float32), data["w_ng"].astype(np.float32), data["b"].astype(np.float32),
                    float(data["threshold"]),
                    str(data["embedder"]), str(data["sources"]))
    except Exception as exc:  # a damaged file must never take the crisis screen down
        log.warning("guard: patient-words head unreadable (%s); tier off", type(exc).__name__)
        return None


def save(head: Head, path: Path = HEAD_PATH) -> None:
    np.savez_compressed(path, w=head.w.astype(np.float32), w_ng=head.w_ng.astype(np.float16), b=head.b.astype(np.float32),
                        threshold=np.float32(head.threshold), embedder=head.embedder, sources=head.sources)
    load.cache_clear()
