"""The nearest-exemplar tier of the crisis screen (stop 32).

The learned model (bot/safety/model.py) was trained on public posts and tweets. It reads a
patient's short message about the treatment poorly: on 120 crisis messages written blind to the
code by a helper session, the whole screen caught 61%. This tier compares the message's MiniLM
vector with the team's own written messages:
- the exemplars of bot/safety/data/guard_exemplars.jsonl;
- the probe set evals/sets/probes/patient_words_stop32.jsonl.
Its score is the cosine to the nearest crisis or harm message, minus the cosine to the nearest
message that is not a crisis. It adds a crisis where that margin reaches NEAR_MIN, behind the
strong tier's gates (bot/safety/screen.py).

Only the vectors and labels are stored (bot/safety/data/near_exemplars.npz), never the texts.
Rebuild them after changing either file:

    python -m bot.safety.near

Every message in the memory is team-written, so the leave-one-source-out report on public data
stays blind. Known limits and figures: evals/experiments/nearest_exemplar_tier.md.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent.parent
DATA = Path(__file__).resolve().parent / "data"
NEAR_PATH = DATA / "near_exemplars.npz"
log = logging.getLogger(__name__)
SOURCES = (DATA / "guard_exemplars.jsonl", ROOT / "evals" / "sets" / "probes" / "patient_words_stop32.jsonl")
# The lowest margin on a grid of 0.10, 0.12, 0.15 and 0.20 at which the whole screen sends no
# patient question (evals/patient_questions.py) to crisis and keeps the bundled dev sets'
# false crisis rate within its 0.6% limit (stop 32, evals/experiments/nearest_exemplar_tier.md).
NEAR_MIN = 0.20
NOT_RISK, CRISIS, HARM = 0, 1, 2


def _label(row: dict) -> int:
    label = row.get("label") or row.get("expect")
    if label == "harm_others" or str(row.get("source", "")).endswith("harm_others"):
        return HARM
    return CRISIS if label == "crisis" else NOT_RISK


def rows(sources: tuple[Path, ...] = SOURCES) -> list[tuple[str, int]]:
    out = []
    for path in sources:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if row.get("turns"):  # a conversation's message is not a message alone (its label is the whole's)
                    continue
                out.append((row["text"], _label(row)))
    return out


def fingerprint(sources: tuple[Path, ...] = SOURCES) -> str:
    h = hashlib.sha256()
    for path in sources:
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class Memory:
    vecs: np.ndarray  # (n, dim) unit vectors, float32
    labels: np.ndarray  # (n,) NOT_RISK, CRISIS or HARM
    embedder: str
    sources: str  # fingerprint() of the files the vectors were built from

    def margin(self, vec: np.ndarray) -> tuple[float, int]:
        """(cosine to the nearest risk message - cosine to the nearest other one, the label of
        the nearest risk message)."""
        v = np.asarray(vec, dtype=np.float32)
        v = v / (np.linalg.norm(v) or 1.0)
        sims = self.vecs @ v
        risk = self.labels != NOT_RISK
        i = int(np.argmax(np.where(risk, sims, -2.0)))
        return float(sims[i] - np.max(np.where(risk, -2.0, sims))), int(self.labels[i])


@lru_cache(maxsize=2)
def load(path: Path = NEAR_PATH) -> Memory | None:
    """The stored memory, or None when it is missing or unreadable: the rest of the screen
    keeps working without this tier."""
    if not path.exists():
        return None
    try:
        data = np.load(path, allow_pickle=False)
        return Memory(data["vecs"].astype(np.float32), data["labels"].astype(np.int8), str(data["embedder"]),
                      str(data["sources"]))
    except Exception as exc:  # a damaged file must never take the crisis screen down
        log.warning("guard: nearest-exemplar memory unreadable (%s); tier off", type(exc).__name__)
        return None


def build(out: Path = NEAR_PATH, sources: tuple[Path, ...] = SOURCES, embedder=None) -> Memory:
    from bot.retrieval.embed import default_embedder
    from bot.safety.model import embedder_name

    embedder = embedder or default_embedder()
    texts, labels = zip(*rows(sources), strict=True)
    vecs = np.asarray(embedder.encode(list(texts)), dtype=np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    mem = Memory(vecs, np.asarray(labels, dtype=np.int8), embedder_name(embedder), fingerprint(sources))
    np.savez_compressed(out, vecs=vecs.astype(np.float16), labels=mem.labels, embedder=mem.embedder,
                        sources=mem.sources)
    load.cache_clear()
    return mem


if __name__ == "__main__":
    m = build()
    print(f"{len(m.labels)} messages ({int((m.labels != NOT_RISK).sum())} crisis or harm) -> {NEAR_PATH}")
