"""The screen's learned model: a linear classifier over [MiniLM vector, hashed n-grams].

    scores = classify(text, query_vec, embedder_name)   # {"safe", "support", "crisis", "harm_others"}

Features
    - the L2-normalised sentence vector respond() already computes for retrieval (no extra
      forward pass);
    - hashed n-grams of the normalised text (bot.safety.normalize: lower case, no accents,
      leet and slang mapped): character n-grams of 3-5 inside word boundaries plus word
      unigrams and bigrams, hashed with CRC32 into NGRAM_DIM buckets, log-scaled and
      L2-normalised. They carry Spanish (which the English MiniLM places poorly), slang and
      misspellings, and they alone still screen when the embedder is down.

Two logistic regressions (one-vs-rest, fitted by SGD with a fixed seed) are stored: "full" (vector + n-grams) and "ngram"
(n-grams only; used when no vector is given or the vector comes from another embedder
than the one the weights were trained with). Weights are float16 in
bot/safety/data/guard_weights.npz; thresholds and provenance in guard_model.json. Both are
written by `python -m evals.train_guard` and load with numpy in milliseconds.

Training helpers (fit, pick_thresholds, score_rows) import scikit-learn lazily; the app
never calls them.
"""

from __future__ import annotations

import json
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.retrieval.embed import embedder_name  # noqa: F401 - callers read it from here too
from bot.safety.normalize import normalize

DATA_DIR = Path(__file__).resolve().parent / "data"
EXEMPLARS_PATH = DATA_DIR / "guard_exemplars.jsonl"
WEIGHTS_PATH = DATA_DIR / "guard_weights.npz"
MODEL_PATH = DATA_DIR / "guard_model.json"
CLASSES = ("safe", "support", "crisis", "harm_others")
NGRAM_DIM = 1 << 17
CHAR_N = (3, 5)
MAX_CHARS = 800  # the n-grams read the start of a long message (the vector reads ~256 word pieces)
ALPHA = 2e-6  # L2 strength of the SGD logistic regression (see MODEL_CARD.md)
EPOCHS = 8
FALSE_BUDGET = {"crisis": 0.04, "harm_others": 0.03}  # mean false rate on the training sources
DEFAULT_THRESHOLDS = {"crisis": 0.5, "harm_others": 0.5, "support": 0.5}


# ---------------------------------------------------------------------------------------
# Features
# ---------------------------------------------------------------------------------------
def _grams(norm: str) -> list[str]:
    words = norm.split()
    out = [f"w:{w}" for w in words]
    out += [f"b:{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    for w in words:
        padded = f" {w} "
        for n in CHAR_N:
            if len(padded) < n:
                continue
            out += [padded[i : i + n] for i in range(len(padded) - n + 1)]
    return out


def ngram_features(text: str) -> tuple[np.ndarray, np.ndarray]:
    """(bucket indices, values) of one text: log counts, L2-normalised."""
    norm = normalize(text[:MAX_CHARS])
    grams = _grams(norm)
    if not grams:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    idx = np.fromiter((zlib.crc32(g.encode("utf-8")) % NGRAM_DIM for g in grams), dtype=np.int64,
                      count=len(grams))
    uniq, counts = np.unique(idx, return_counts=True)
    vals = np.log1p(counts.astype(np.float32))
    vals /= np.linalg.norm(vals)
    return uniq, vals


def ngram_matrix(texts: list[str]):
    """scipy CSR matrix of ngram_features for many texts (training only)."""
    from scipy import sparse

    indptr, indices, data = [0], [], []
    for t in texts:
        i, v = ngram_features(t)
        indices.append(i)
        data.append(v)
        indptr.append(indptr[-1] + len(i))
    return sparse.csr_matrix(
        (np.concatenate(data), np.concatenate(indices), np.array(indptr)),
        shape=(len(texts), NGRAM_DIM), dtype=np.float32)


# ---------------------------------------------------------------------------------------
# The linear model
# ---------------------------------------------------------------------------------------
@dataclass
class Linear:
    """One-vs-rest logistic regressions over CLASSES: z = coef_vec @ vec + coef_ng @ ngrams +
    intercept; probabilities are the per-class sigmoids, normalised to sum to 1 (as
    scikit-learn's one-vs-rest predict_proba)."""

    coef_vec: np.ndarray | None  # (n_classes, dim) or None for the n-gram-only model
    coef_ng: np.ndarray  # (n_classes, NGRAM_DIM)
    intercept: np.ndarray  # (n_classes,)

    def logits_one(self, vec: np.ndarray | None, idx: np.ndarray, vals: np.ndarray) -> np.ndarray:
        z = self.intercept.astype(np.float32).copy()
        if len(idx):
            z += self.coef_ng[:, idx].astype(np.float32) @ vals
        if self.coef_vec is not None and vec is not None:
            z += self.coef_vec.astype(np.float32) @ np.asarray(vec, dtype=np.float32)
        return z

    def proba(self, x_vec, x_ng) -> np.ndarray:
        """Probabilities for a batch (training and evaluation)."""
        z = np.asarray(x_ng @ self.coef_ng.T.astype(np.float32)) + self.intercept
        if self.coef_vec is not None and x_vec is not None:
            z = z + x_vec @ self.coef_vec.T.astype(np.float32)
        return _ovr_proba(z)


def _ovr_proba(z: np.ndarray) -> np.ndarray:
    s = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
    return s / s.sum(axis=-1, keepdims=True)


def fit(x_vec, x_ng, y, w, *, seed: int = 0, alpha: float = ALPHA) -> Linear:
    from scipy import sparse
    from sklearn.linear_model import SGDClassifier

    x = x_ng if x_vec is None else sparse.hstack([sparse.csr_matrix(x_vec), x_ng]).tocsr()
    clf = SGDClassifier(loss="log_loss", alpha=alpha, max_iter=EPOCHS, tol=None,
                        random_state=seed, average=True)
    clf.fit(x, y, sample_weight=w)
    coef = np.zeros((len(CLASSES), x.shape[1]), dtype=np.float32)
    intercept = np.full(len(CLASSES), -30.0, dtype=np.float32)  # a class absent from training
    coef[clf.classes_] = clf.coef_
    intercept[clf.classes_] = clf.intercept_
    dim = 0 if x_vec is None else x_vec.shape[1]
    return Linear(coef[:, :dim] if dim else None, coef[:, dim:], intercept)


# ---------------------------------------------------------------------------------------
# Thresholds and scores (training and the blind report)
# ---------------------------------------------------------------------------------------
def pick_thresholds(probs: np.ndarray, y: np.ndarray, groups: np.ndarray) -> dict[str, float]:
    """Per risk class, the lowest threshold whose false rate (items of other classes scored
    over it), averaged over the sources, stays within FALSE_BUDGET: the most recall the
    budget allows. Only the rows given are read (the training sources of a fold)."""
    out = dict(DEFAULT_THRESHOLDS)
    srcs = list(dict.fromkeys(groups))
    for name, budget in FALSE_BUDGET.items():
        k = CLASSES.index(name)
        # a crisis message scored harm_others still reaches crisis resources, and vice versa
        risk = {CLASSES.index("crisis"), CLASSES.index("harm_others")}
        p = probs[:, k]
        for t in np.round(np.arange(0.05, 0.96, 0.01), 2):
            rates = []
            for s in srcs:
                neg = (groups == s) & ~np.isin(y, list(risk))
                if neg.sum() >= 20:
                    rates.append(float((p[neg] >= t).mean()))
            if rates and np.mean(rates) <= budget:
                out[name] = float(t)
                break
        else:
            out[name] = 0.95
    return out


def decide_many(probs: np.ndarray, th: dict[str, float]) -> np.ndarray:
    """The class each row gets under thresholds th (crisis > harm_others > support > safe)."""
    c, h, s = (CLASSES.index(n) for n in ("crisis", "harm_others", "support"))
    out = np.zeros(len(probs), dtype=int)
    out[probs[:, s] >= th["support"]] = s
    out[probs[:, h] >= th["harm_others"]] = h
    out[probs[:, c] >= th["crisis"]] = c
    return out


def score_rows(probs, y, th, source: str, lang: str) -> dict:
    pred = decide_many(probs, th)
    c, h = CLASSES.index("crisis"), CLASSES.index("harm_others")
    risk_pred = np.isin(pred, [c, h])
    row = {"source": source, "lang": lang, "n": int(len(y))}
    for name, k in (("crisis", c), ("harm_others", h)):
        pos = y == k
        row[f"n_{name}"] = int(pos.sum())
        # recall: routed to the emergency screen (either risk class shows the crisis lines)
        row[f"{name}_recall"] = round(float(risk_pred[pos].mean()), 4) if pos.any() else None
    neg = ~np.isin(y, [c, h])
    row["n_not_risk"] = int(neg.sum())
    row["false_crisis"] = round(float((pred[neg] == c).mean()), 4) if neg.any() else None
    row["false_risk"] = round(float(risk_pred[neg].mean()), 4) if neg.any() else None
    return row


def markdown_table(rows: list[dict]) -> str:
    def f(x):
        return "–" if x is None else f"{100 * x:.1f}%"

    lines = ["| held-out source | lang | n | crisis n | crisis recall | harm n | harm recall "
             "| not-risk n | false crisis | false crisis or harm |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['source']} | {r['lang']} | {r['n']} | {r['n_crisis']} | "
                     f"{f(r['crisis_recall'])} | {r['n_harm_others']} | {f(r['harm_others_recall'])} | "
                     f"{r['n_not_risk']} | {f(r['false_crisis'])} | {f(r['false_risk'])} |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# Storage
# ---------------------------------------------------------------------------------------
def fit_scope(x_vec: np.ndarray, is_oos: np.ndarray, *, seed: int = 0) -> tuple[np.ndarray, float]:
    """Out-of-scope (weather, coding, trivia) against everything else, on the team's exemplars
    only (the public sources say nothing about this assistant's scope). Vector only."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=16.0, max_iter=1000, random_state=seed, class_weight="balanced")
    clf.fit(x_vec, is_oos.astype(int))
    return clf.coef_[0].astype(np.float32), float(clf.intercept_[0])


def save(full: Linear, ngram: Linear, th: dict, th_ng: dict, *, embedder_name: str,  # noqa: F811 - the parameter, not the function
         scope: tuple[np.ndarray, float] | None = None,
         extra: dict | None = None, weights_path: Path = WEIGHTS_PATH,
         model_path: Path = MODEL_PATH) -> None:
    scope_w, scope_b = scope if scope is not None else (np.zeros(full.coef_vec.shape[1]), -30.0)
    np.savez_compressed(
        weights_path,
        scope_w=np.asarray(scope_w, dtype=np.float16), scope_b=np.float32(scope_b),
        full_vec=full.coef_vec.astype(np.float16), full_ng=full.coef_ng.astype(np.float16),
        full_b=full.intercept.astype(np.float32),
        ngram_ng=ngram.coef_ng.astype(np.float16), ngram_b=ngram.intercept.astype(np.float32))
    meta = {"format": 2, "classes": list(CLASSES), "embedder": embedder_name,
            "dim": int(full.coef_vec.shape[1]), "ngram_dim": NGRAM_DIM, "char_n": list(CHAR_N),
            "thresholds": {k: round(float(v), 4) for k, v in sorted(th.items())},
            "thresholds_ngram_only": {k: round(float(v), 4) for k, v in sorted(th_ng.items())},
            **(extra or {})}
    model_path.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


@dataclass
class Stored:
    full: Linear
    ngram: Linear
    thresholds: dict[str, float]
    thresholds_ngram: dict[str, float]
    embedder: str
    dim: int
    scope_w: np.ndarray | None = None
    scope_b: float = -30.0

    def p_out_of_scope(self, vec: np.ndarray | None, embedder: str | None) -> float | None:
        """Probability that a message is off-topic for this assistant (vector only)."""
        if vec is None or self.scope_w is None or embedder != self.embedder:
            return None
        z = float(self.scope_w.astype(np.float32) @ np.asarray(vec, dtype=np.float32)) + self.scope_b
        return float(1.0 / (1.0 + np.exp(-z)))


_LOADED: dict[str, Stored | None] = {}
_LOCK = threading.Lock()


def load(weights_path: Path = WEIGHTS_PATH, model_path: Path = MODEL_PATH) -> Stored | None:
    """The stored model (cached per process), or None when the files are missing."""
    key = str(weights_path)
    with _LOCK:
        if key in _LOADED:
            return _LOADED[key]
        stored = None
        if weights_path.is_file() and model_path.is_file():
            meta = json.loads(model_path.read_text(encoding="utf-8"))
            if meta.get("ngram_dim") == NGRAM_DIM and tuple(meta.get("char_n", ())) == CHAR_N:
                with np.load(weights_path) as z:
                    full = Linear(z["full_vec"], z["full_ng"], z["full_b"])
                    ngram = Linear(None, z["ngram_ng"], z["ngram_b"])
                    scope_w, scope_b = z["scope_w"], float(z["scope_b"])
                stored = Stored(full, ngram, {**DEFAULT_THRESHOLDS, **meta["thresholds"]},
                                {**DEFAULT_THRESHOLDS, **meta["thresholds_ngram_only"]},
                                meta["embedder"], int(meta["dim"]), scope_w, scope_b)
        _LOADED[key] = stored
        return stored


@dataclass(frozen=True)
class Scores:
    probs: dict[str, float]
    thresholds: dict[str, float]
    part: str  # "full" or "ngram"
    probs_ngram: dict[str, float] | None = None  # the n-gram part's own, when part is "full"

    def agreed(self, name: str) -> float:
        """The lower of the two parts' scores for a class (the full model and the n-grams
        alone): a score both must give, used by the screen's strong crisis tier."""
        if self.probs_ngram is None:
            return self.probs[name]
        return min(self.probs[name], self.probs_ngram[name])

    def over(self, name: str) -> bool:
        return self.probs[name] >= self.thresholds[name]


def classify(text: str, query_vec: np.ndarray | None, embedder: str | None,
             stored: Stored | None = None) -> Scores | None:
    """Class probabilities for one message; the vector is used only when it comes from the
    embedder the weights were trained with."""
    stored = stored or load()
    if stored is None:
        return None
    idx, vals = ngram_features(text)
    use_vec = (query_vec is not None and embedder == stored.embedder
               and np.shape(query_vec)[-1] == stored.dim)
    lin, th, part = ((stored.full, stored.thresholds, "full") if use_vec
                     else (stored.ngram, stored.thresholds_ngram, "ngram"))
    p = _ovr_proba(lin.logits_one(query_vec if use_vec else None, idx, vals))
    p_ng = _ovr_proba(stored.ngram.logits_one(None, idx, vals)) if use_vec else None
    return Scores({c: float(x) for c, x in zip(CLASSES, p, strict=True)}, th, part,
                  None if p_ng is None else {c: float(x) for c, x in zip(CLASSES, p_ng, strict=True)})
