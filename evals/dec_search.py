"""Search for a better passage decision than the recipe "new" (evals/cv_retrieval.py), under
the same grouped cross-validation (folds by page / document, 5 folds x 3 seeds, the corpus's own
questions always fitted, never checked).

    BOT_DATA_DIR=... nice -n 10 .venv/bin/python -m evals.dec_search --cache data/cv_rows.pkl \
        [--models new,lr16,lr16q,...] [--json data/dec_search.json]

(--cache: the feature rows pickled by `python -m evals.cv_retrieval --cache data/cv_rows.pkl`.)

Every model scores every eligible passage of a question; the best one answers when its score
passes a threshold fitted on the training folds only: the lowest that declines a target share
TARGET of the pooled training questions to decline (as calibrate_retrieval.choose_threshold).
Each model is run at a grid of targets; the check folds' counts are summed per target, and the
models are compared at matched DECLINED rates of the check folds (answered-right interpolated
along each model's curve), per origin and on dev + dev2 pooled.

Models:
- new: the current recipe (calibrate_retrieval.train: 6 features, non-negative weights);
- lr16: logistic regression over all FEATURES (standardised), L2 strength chosen inside the
  training folds (inner grouped 3-fold CV, criterion: answered right at 90% declined);
- lr16q: the same with squares and pairwise products;
- lrx / lrxq: lr16 / lr16q plus EXTRA (question-level and margin features, below);
- stack: lrx plus the new recipe's own probability margin (fitted inside the fold);
- hgb / hgbx: a shallow HistGradientBoostingClassifier over FEATURES / FEATURES + EXTRA.
- newx: the new recipe (non-negative weights) over its 6 features + `unc` (shippable form).

EXTRA (computed here from the index; none is in bot/ yet):
- unc: the rarest question word (spelling-corrected content stem the corpus uses) that the
  passage (text, heading, `also`; the left-out question hidden) lacks: its idf / max idf;
- unc2: the second rarest such word (two missing topic words say more than one);
- nclause: number of clauses (clauses(); 1 for a one-sentence message);
- nwords: log(1 + words);
- cgap, lgap, hgap: charp, lexs, hrec margin over the best passage of another document.
"""

from __future__ import annotations

import argparse
import json
import math
import pickle
import time
from pathlib import Path

import numpy as np

from bot.config import Settings
from bot.retrieval.chunk import embed_text
from bot.retrieval.decide import FEATURES
from bot.retrieval.match import Retriever, clauses, terms
from evals.calibrate_retrieval import ALSO_WEIGHT, CANDIDATES, FIT_FEATURES, PRE_RANK, train
from evals.cv_retrieval import CHECKED, fold_of

EXTRA = ("unc", "unc2", "nclause", "nwords", "cgap", "lgap", "hgap")
ALL = FEATURES + EXTRA
STACKED = ALL + ("pnew", "pmargin")  # Stack adds these two columns
TARGETS = tuple(round(0.80 + 0.005 * i, 3) for i in range(40))  # 0.80 .. 0.995
CS = (0.003, 0.03, 0.3, 3.0)
ORIGIN_WEIGHT: dict[str, float] = {}  # an origin's total weight in the fit (default 1.0; `also`: ALSO_WEIGHT)


def margin(col: np.ndarray, docs: np.ndarray) -> np.ndarray:
    best: dict[str, float] = {}
    for d, v in zip(docs.tolist(), col.tolist(), strict=True):
        best[d] = max(v, best.get(d, -np.inf))
    ranked = sorted(best.items(), key=lambda kv: -kv[1])
    top_doc, top = ranked[0]
    runner = ranked[1][1] if len(ranked) > 1 else 0.0
    return col - np.where(docs == top_doc, runner, top)


def add_extras(index, rows) -> None:
    """r.F: FEATURES + EXTRA columns for every eligible passage of every row."""
    qterms: dict[int, set[str]] = {}
    for j, text in enumerate(index.q_text):
        qterms[j] = set(terms(text))
    owned: dict[int, list[int]] = {}
    for j, owner in enumerate(index.q_owner):
        owned.setdefault(int(owner), []).append(j)
    text_terms = [set(terms(embed_text(p))) for p in index.passages]
    full = [text_terms[i].union(*[qterms[j] for j in owned.get(i, [])]) for i in range(len(index.passages))]
    top_idf = float(index.idf.max())
    col = {f: FEATURES.index(f) for f in FEATURES}
    for r in rows:
        q = r.query
        lang = q.lang if q.lang in index.langs() else "en"
        eligible = index.eligible(lang)
        assert len(eligible) == len(r.X), (len(eligible), r.X.shape)
        qt = {t for t in set(terms(index.spelled(q.text))) if t in index.vocab}
        idf = {t: float(index.idf[index.vocab[t]]) for t in qt}
        unc, unc2 = np.zeros(len(eligible)), np.zeros(len(eligible))
        for k, i in enumerate(eligible):
            have = full[i]
            if q.exclude:  # the left-out question's own words count only when the rest has them
                (x,) = q.exclude
                have = text_terms[i].union(*[qterms[j] for j in owned.get(i, []) if j != x])
            miss = sorted((idf[t] for t in qt - have), reverse=True)
            unc[k] = miss[0] / top_idf if miss else 0.0
            unc2[k] = miss[1] / top_idf if len(miss) > 1 else 0.0
        n = len(eligible)
        docs = np.array(r.docs)
        nclause = max(1, len(clauses(q.text))) if not q.exclude else 1
        E = np.column_stack([unc, unc2, np.full(n, nclause), np.full(n, math.log1p(len(q.text.split()))),
                             margin(r.X[:, col["charp"]], docs), margin(r.X[:, col["lexs"]], docs),
                             margin(r.X[:, col["hrec"]], docs)])
        r.F = np.hstack([r.X, E])


def weights(rows, also_weight=ALSO_WEIGHT):
    """Candidate rows (top CANDIDATES by PRE_RANK + the right ones) and their weights as in
    calibrate_retrieval.fit: each question weighs one, each origin the same (also: also_weight),
    classes balanced."""
    pre = [FEATURES.index(f) for f in PRE_RANK]
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.origin] = counts.get(r.origin, 0) + 1
    Xs, ys, ws, qi = [], [], [], []
    for n, r in enumerate(rows):
        top = np.union1d(np.argsort(-r.X[:, pre].sum(axis=1))[:CANDIDATES], np.flatnonzero(r.y))
        Xs.append(r.F[top])
        ys.append(r.y[top].astype(int))
        share = also_weight if r.origin == "also" else ORIGIN_WEIGHT.get(r.origin, 1.0)
        ws.append(np.full(len(top), share / counts[r.origin] / len(top)))
        qi.append(np.full(len(top), n))
    X, y, w = np.vstack(Xs), np.concatenate(ys), np.concatenate(ws)
    pos = y == 1
    w = np.where(pos, w * 0.5 / w[pos].sum(), w * 0.5 / w[~pos].sum()) * len(y)
    return X, y, w


def tops(rows, score):
    """(answerable, top score, top right) per question. `score`: a row's scores, or a model
    whose score_many scores many rows in one call (HistGradientBoosting's predict is slow per call)."""
    out = []
    many = score.score_many(rows) if hasattr(score, "score_many") else [score(r) for r in rows]
    for r, s in zip(rows, many, strict=True):
        j = int(np.argmax(s))
        out.append((r.answerable, float(s[j]), bool(r.y[j]), r.origin))
    return out


def threshold(t_rows, target):
    no = sorted(s for a, s, _, o in t_rows if not a and o != "also")
    k = int(np.ceil(target * len(no)))
    return no[k - 1] + 1e-9 if k >= 1 else -np.inf


def counts(c_rows, thr):
    c = {"answerable": 0, "answered_right": 0, "answered_wrong": 0, "decline": 0, "declined": 0}
    for a, s, ok, _ in c_rows:
        if a:
            c["answerable"] += 1
            c["answered_right"] += bool(s >= thr and ok)
            c["answered_wrong"] += bool(s >= thr and not ok)
        else:
            c["decline"] += 1
            c["declined"] += bool(s < thr)
    return c


def right_at(t_rows, rate=0.90):
    """Answered right (non-also answerable) at the threshold declining `rate` of these rows' declines."""
    return counts([x for x in t_rows if x[3] != "also"], threshold(t_rows, rate))["answered_right"]


def choose_c(rows, seed: int, fit, score) -> float:
    """The L2 strength of CS with the most answered right at 90% declined under an inner grouped
    3-fold CV of these (training) rows; `fit(rows, C)` fits, `score` is what tops() reads."""
    best, best_c = -1, CS[0]
    for c in CS:
        got = 0
        for k in range(3):
            inner = [r for r in rows if r.origin == "also" or fold_of(r.group, 3, 100 + seed) != k]
            val = [r for r in rows if r.origin != "also" and fold_of(r.group, 3, 100 + seed) == k]
            fit(inner, c)
            got += right_at(tops(val, score))
        if got > best:
            best, best_c = got, c
    return best_c


class Lin:
    """Standardised (optionally quadratic) logistic regression, C chosen by inner grouped CV."""

    def __init__(self, cols, quad=False, seed=0):
        self.cols, self.quad, self.seed = [STACKED.index(c) for c in cols], quad, seed

    def design(self, F):
        Z = (F[:, self.cols] - self.mu) / self.sd
        if self.quad:
            i, j = np.triu_indices(Z.shape[1])
            Z = np.hstack([Z, Z[:, i] * Z[:, j]])
        return Z

    def _fit(self, rows, C):
        from sklearn.linear_model import LogisticRegression

        X, y, w = weights(rows)
        self.mu, self.sd = X[:, self.cols].mean(0), X[:, self.cols].std(0) + 1e-9
        m = LogisticRegression(C=C, max_iter=3000)
        m.fit(self.design(X), y, sample_weight=w)
        self.coef, self.b = m.coef_.ravel(), float(m.intercept_[0])
        return self

    def score(self, r):
        return self.design(r.F) @ self.coef + self.b

    def fit(self, rows):
        self.C = choose_c(rows, self.seed, self._fit, self.score)
        return self._fit(rows, self.C)


class Hgb:
    def __init__(self, cols, seed=0):
        self.cols, self.seed = [ALL.index(c) for c in cols], seed

    def fit(self, rows):
        from sklearn.ensemble import HistGradientBoostingClassifier

        X, y, w = weights(rows)
        self.m = HistGradientBoostingClassifier(max_depth=3, max_iter=150, learning_rate=0.05,
                                                min_samples_leaf=40, l2_regularization=1.0, random_state=self.seed)
        self.m.fit(X[:, self.cols], y, sample_weight=w)
        return self

    def score(self, r):
        return self.m.decision_function(r.F[:, self.cols])

    def score_many(self, rows):
        s = self.m.decision_function(np.vstack([r.F[:, self.cols] for r in rows]))
        return np.split(s, np.cumsum([len(r.F) for r in rows])[:-1])


class New:
    """The current recipe, optionally over other columns (non-negative weights, as shipped)."""

    def __init__(self, cols=FIT_FEATURES, seed=0):
        self.names = cols

    def fit(self, rows):
        base = [c for c in self.names if c in FEATURES]
        self.d = train(rows, tuple(base), second=False)
        if len(base) == len(self.names):
            return self
        # extra columns: refit with the same constrained loss over F columns (signs: unc <= 0 as -unc)
        from scipy.optimize import minimize

        cols = [ALL.index(c) for c in self.names]
        X, y, w = weights(rows)
        X = X[:, cols] * self.sign()

        def loss(theta):
            z = X @ theta[:-1] + theta[-1]
            p = 1 / (1 + np.exp(-np.clip(z, -40, 40)))
            nll = -np.sum(w * (y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12)))
            g = w * (p - y)
            return nll + 0.5 * np.sum(theta[:-1] ** 2), np.concatenate([X.T @ g + theta[:-1], [g.sum()]])

        th = minimize(loss, np.zeros(X.shape[1] + 1), jac=True, method="L-BFGS-B",
                      bounds=[(0, None)] * X.shape[1] + [(None, None)]).x
        self.coef, self.b = th[:-1] * self.sign(), th[-1]
        return self

    def sign(self):
        return np.array([-1.0 if c in ("unc", "unc2", "nclause") else 1.0 for c in self.names])

    def score(self, r):
        if len(self.names) == len([c for c in self.names if c in FEATURES]):
            return self.d.prob(r.X)
        return r.F[:, [ALL.index(c) for c in self.names]] @ self.coef + self.b


class Stack:
    """lrx plus the fold's new-recipe probability and its margin over another document."""

    def __init__(self, seed=0):
        self.seed = seed

    def fit(self, rows):
        self.base = New().fit(rows)
        self._aug(rows)
        self.lin = Lin([*ALL, "pnew", "pmargin"], seed=self.seed).fit(rows)
        return self

    def _aug(self, rows):
        for r in rows:
            p = self.base.d.prob(r.X)
            r.F = np.hstack([r.F[:, :len(ALL)], np.column_stack([p, margin(p, np.array(r.docs))])])

    def score(self, r):
        self._aug([r])
        return self.lin.score(r)


class Q2:
    """Two stages: the new recipe ranks; a question-level model decides on its best passage
    (that passage's FEATURES + EXTRA, the new recipe's probability and its margin over the best
    passage of another document). Label: answerable and the best passage right."""

    def __init__(self, seed=0, kind="lr", cols=None):
        self.seed, self.kind, self.cols = seed, kind, cols

    def top(self, r):
        p = self.base.d.prob(r.X)
        j = int(np.argmax(p))
        f = np.concatenate([r.F[j, :len(ALL)], [p[j], margin(p, np.array(r.docs))[j]]])
        return j, f if self.cols is None else f[[STACKED.index(c) for c in self.cols]]

    def fit(self, rows):
        self.base = New().fit(rows)
        self.C = self._fit(rows, None)
        return self

    def _fit(self, rows, C):
        counts: dict[str, int] = {}
        for r in rows:
            counts[r.origin] = counts.get(r.origin, 0) + 1
        X = np.array([self.top(r)[1] for r in rows])
        y = np.array([r.answerable and bool(r.y[self.top(r)[0]]) for r in rows], dtype=int)
        w = np.array([(ALSO_WEIGHT if r.origin == "also" else 1.0) / counts[r.origin] for r in rows])
        w = np.where(y == 1, w * 0.5 / w[y == 1].sum(), w * 0.5 / w[y == 0].sum()) * len(y)
        if self.kind == "hgb":
            from sklearn.ensemble import HistGradientBoostingClassifier

            self.m = HistGradientBoostingClassifier(max_depth=2, max_iter=100, learning_rate=0.05,
                                                    min_samples_leaf=20, l2_regularization=1.0,
                                                    random_state=self.seed).fit(X, y, sample_weight=w)
            return None
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        if C is None:  # inner grouped CV on the training folds
            C = choose_c(rows, self.seed, self._fit, self)
        self.m = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=3000))
        self.m.fit(X, y, logisticregression__sample_weight=w)
        return C

    def score(self, r):
        return self.score_many([r])[0]

    def score_many(self, rows):
        tj = [self.top(r) for r in rows]
        z = self.m.decision_function(np.array([f for _, f in tj]))
        out = []
        for r, (j, _), v in zip(rows, tj, z, strict=True):
            s = np.full(len(r.X), -1e9)
            s[j] = float(v)
            out.append(s)
        return out


MODELS = {
    "new": lambda s: New(seed=s),
    "newx": lambda s: New((*FIT_FEATURES, "unc"), seed=s),
    "newx2": lambda s: New((*FIT_FEATURES, "unc", "unc2", "cgap", "hgap"), seed=s),
    "lr16": lambda s: Lin(FEATURES, seed=s),
    "lr16q": lambda s: Lin(FEATURES, quad=True, seed=s),
    "lrx": lambda s: Lin(ALL, seed=s),
    "lrxq": lambda s: Lin(ALL, quad=True, seed=s),
    "hgb": lambda s: Hgb(FEATURES, seed=s),
    "hgbx": lambda s: Hgb(ALL, seed=s),
    "q2": lambda s: Q2(s),
    # the team-written decline_dev.jsonl weighing 0.3 of a real set in the fit (its declines still set the threshold)
    "lrx-dd": lambda s: Lin(ALL, seed=s),
    "hgbx-dd": lambda s: Hgb(ALL, seed=s),
    "q2h": lambda s: Q2(s, "hgb"),
}


def run(rows, name, folds, seeds):
    res = {t: {o: {} for o in CHECKED} for t in TARGETS}
    chosen, recs = [], []  # recs: per check question (seed, fold, origin, row, answerable, score, right, thresholds)
    for seed in range(seeds):
        for k in range(folds):
            tr = [r for r in rows if r.origin == "also" or fold_of(r.group, folds, seed) != k]
            ORIGIN_WEIGHT.clear()
            if name.endswith("-dd"):
                ORIGIN_WEIGHT["decline_dev.jsonl"] = 0.3
            if name == "stack":
                m = Stack(seed).fit(tr)
            else:
                m = MODELS[name](seed).fit(tr)
            chosen.append(getattr(m, "C", None) or getattr(getattr(m, "lin", None), "C", None))
            t_rows = tops(tr, m if hasattr(m, "score_many") else m.score)
            thr = [threshold(t_rows, t) for t in TARGETS]
            for o in CHECKED:
                idx = [i for i, r in enumerate(rows) if r.origin == o and fold_of(r.group, folds, seed) == k]
                c_rows = tops([r for r in rows if r.origin == o and fold_of(r.group, folds, seed) == k],
                              m if hasattr(m, "score_many") else m.score)
                recs += [(seed, k, o, i, a, sc, ok) for i, (a, sc, ok, _) in zip(idx, c_rows, strict=True)]
                for t in TARGETS:
                    c = counts(c_rows, threshold(t_rows, t))
                    res[t][o] = {key: res[t][o].get(key, 0) + v for key, v in c.items()}
            recs.append(("thr", seed, k, [float(x) for x in thr]))
            for r in rows:  # Stack's columns go with its fold
                r.F = r.F[:, :len(ALL)]
    return res, chosen, recs


def curve(res, origins):
    pts = []
    for t in TARGETS:
        c = {key: sum(res[t][o][key] for o in origins) for key in res[t][origins[0]]}
        pts.append((c["declined"] / max(c["decline"], 1), c["answered_right"] / max(c["answerable"], 1), t))
    return pts


def at(pts, rate):
    """Answered-right rate interpolated at a declined rate (None outside the curve's range)."""
    pts = sorted(pts)
    xs = np.array([p[0] for p in pts])
    ys = np.array([p[1] for p in pts])
    if rate < xs.min() - 1e-9 or rate > xs.max() + 1e-9:
        return None
    # the best answered-right at a declined rate >= rate (curves can be non-monotone): upper envelope
    return float(max(np.interp(rate, xs, ys), max((y for x, y in zip(xs, ys, strict=True) if x >= rate), default=0)))


def table(out: dict, base: str = "new") -> None:
    """Answered right at matched declined rates (check folds summed), per origin and dev+dev2."""
    groups = {"dev+dev2": ["dev.jsonl", "dev2.jsonl"], **{o: [o] for o in CHECKED}}
    for g, origins in groups.items():
        if g == "gold":  # all 33 gold declines are declined at every target: no curve to match on
            continue
        res = {m: {float(t): v for t, v in o["res"].items()} for m, o in out.items()}
        ref = [d for d, _, t in curve(res[base], origins) if t == 0.90][0]
        rates = (ref, 0.90, 0.93, 0.95)
        print(f"\n{g}: answered right (%) at declined rate " + " / ".join(f"{r:.3f}" for r in rates)
              + f"  ({base} at target .90 declines {ref:.3f}); raw at target .90")
        for m in out:
            pts = curve(res[m], origins)
            vals = [at(pts, r) for r in rates]
            c = {k: sum(res[m][0.90][o][k] for o in origins) for k in res[m][0.90][origins[0]]}
            print(f"  {m:7s} " + " ".join("   -  " if v is None else f"{100 * v:5.1f} " for v in vals)
                  + f"  | .90: right {c['answered_right']}/{c['answerable']} wrong {c['answered_wrong']} "
                  f"declined {c['declined']}/{c['decline']}")


def group_sums(entry: dict, origins) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per CV group (page): answered right per target, declined per target, answerable, declines."""
    thr = {(x[1], x[2]): np.array(x[3]) for x in entry["recs"] if x[0] == "thr"}
    groups = entry["groups"]
    names = sorted({groups[x[3]] for x in entry["recs"] if x[0] != "thr" and x[2] in origins})
    gi = {g: n for n, g in enumerate(names)}
    right, declined = np.zeros((len(names), len(TARGETS))), np.zeros((len(names), len(TARGETS)))
    n_ans, n_no = np.zeros(len(names)), np.zeros(len(names))
    for x in entry["recs"]:
        if x[0] == "thr" or x[2] not in origins:
            continue
        seed, k, _, i, a, sc, ok = x
        g = gi[groups[i]]
        passes = sc >= thr[(seed, k)]
        if a:
            n_ans[g] += 1
            right[g] += passes & bool(ok)
        else:
            n_no[g] += 1
            declined[g] += ~passes
    return names, right, declined, n_ans, n_no


def matched(right, declined, n_ans, n_no, w, rates):
    """Answered-right rate at each declined rate, for group weights w (bootstrap)."""
    d = (w @ declined) / max(w @ n_no, 1e-9)
    r = (w @ right) / max(w @ n_ans, 1e-9)
    return [at(list(zip(d, r, TARGETS, strict=True)), x) for x in rates]


def bootstrap(out: dict, base: str = "new", origins=("dev.jsonl", "dev2.jsonl"), reps: int = 2000) -> None:
    """Resample pages (CV groups) of the check sets; the difference of each model and `base` in
    answered right at matched declined rates, as a 90% interval."""
    rng = np.random.default_rng(0)
    sums = {m: group_sums(e, origins) for m, e in out.items() if "recs" in e}
    names = sums[base][0]
    assert all(v[0] == names for v in sums.values())
    ref = [d for d, _, t in curve({t: v for t, v in ((float(t), v) for t, v in out[base]["res"].items())},
                                  list(origins)) if t == 0.90][0]
    rates = (ref, 0.90, 0.93, 0.95)
    W = rng.multinomial(len(names), np.full(len(names), 1 / len(names)), size=reps).astype(float)
    print(f"\nbootstrap over {len(names)} pages of {'+'.join(origins)} ({reps} draws): model - {base}, "
          f"answered right (points) at declined " + " / ".join(f"{r:.3f}" for r in rates))
    base_vals = [matched(*sums[base][1:], w, rates) for w in W]
    for m in sums:
        if m == base:
            continue
        vals = [matched(*sums[m][1:], w, rates) for w in W]
        cells = []
        for j in range(len(rates)):
            diff = [100 * (v[j] - b[j]) for v, b in zip(vals, base_vals, strict=True)
                    if v[j] is not None and b[j] is not None]
            point = matched(*sums[m][1:], np.ones(len(names)), rates)[j]
            point_b = matched(*sums[base][1:], np.ones(len(names)), rates)[j]
            est = "  -  " if point is None or point_b is None else f"{100 * (point - point_b):+5.1f}"
            lo, hi = (np.percentile(diff, [5, 95]) if diff else (np.nan, np.nan))
            cells.append(f"{est} [{lo:+5.1f},{hi:+5.1f}]")
        print(f"  {m:7s} " + "  ".join(cells))


def oracle(out: dict, origins=("dev.jsonl", "dev2.jsonl"), rates=(0.867, 0.90, 0.95)) -> None:
    """Separation alone: in each check fold, the threshold that declines `rate` of that fold's
    declines (set on the check fold itself, the same rule for every model); answered right summed."""
    print(f"\nseparation (each check fold's own threshold; {'+'.join(origins)}): answered right at declined "
          + " / ".join(f"{r:.3f}" for r in rates))
    for m, e in out.items():
        if "recs" not in e:
            continue
        folds: dict = {}
        for x in e["recs"]:
            if x[0] != "thr" and x[2] in origins:
                folds.setdefault((x[0], x[1]), []).append(x)
        cells = []
        for rate in rates:
            got = n = 0
            for recs in folds.values():
                no = sorted(x[5] for x in recs if not x[4])
                k = int(np.ceil(rate * len(no)))
                t = no[k - 1] + 1e-9 if no and k >= 1 else -np.inf
                got += sum(1 for x in recs if x[4] and x[6] and x[5] >= t)
                n += sum(1 for x in recs if x[4])
            cells.append(f"{got}/{n} ({100 * got / n:.1f}%)")
        print(f"  {m:7s} " + "  ".join(cells))


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--models", default="new,lr16,lr16q,lrx,lrxq,stack,hgb,hgbx,newx")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--table", action="store_true", help="only print the table of --json")
    args = ap.parse_args(argv)
    if args.table:
        out = json.loads(args.json.read_text())
        table(out)
        if any("recs" in e for e in out.values()):
            bootstrap(out)
            oracle(out)
        return 0
    rows = pickle.loads(args.cache.read_bytes())
    index = Retriever(Settings.from_env()).index()
    t0 = time.time()
    add_extras(index, rows)
    print(f"extras in {time.time() - t0:.1f}s; rows {len(rows)}")
    out = json.loads(args.json.read_text()) if args.json and args.json.is_file() else {}
    for name in args.models.split(","):
        t0 = time.time()
        res, chosen, recs = run(rows, name, args.folds, args.seeds)
        out[name] = {"res": {str(t): v for t, v in res.items()}, "C": chosen,
                     "groups": [r.group for r in rows], "recs": recs}
        pts = curve(res, ["dev.jsonl", "dev2.jsonl"])
        c90 = res[0.90]
        print(f"\n{name} ({time.time() - t0:.0f}s) C={chosen}")
        for o in CHECKED:
            c = c90[o]
            print(f"  target .90 {o}: right {c['answered_right']}/{c['answerable']} wrong {c['answered_wrong']} "
                  f"declined {c['declined']}/{c['decline']}")
        print("  dev+dev2 curve (declined, right, target): " +
              " ".join(f"({d:.3f},{r:.3f},{t})" for d, r, t in pts))
        if args.json:
            args.json.write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
