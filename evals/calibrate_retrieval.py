"""Calibrate the decision "does this passage answer this question?" (bot.retrieval.decide).

    BOT_DATA_DIR=... BOT_CORPUS_DIR=... .venv/bin/python -m evals.calibrate_retrieval \
        --dev evals/sets/real/dev.jsonl --dev evals/sets/real/dev2.jsonl \
        --dev evals/sets/real/decline_dev.jsonl [--write] [--gate]

Tuning data (dev only; evals/sets/real/test.jsonl is never read here):
- every question of the ingested corpus, left out in turn: each section heading and `also`
  phrasing is matched with its own vector hidden, and must find its own passage (`also`
  items: clean and short, so they weigh ALSO_WEIGHT of a real set in total);
- the tune half of evals/sets/retrieval_gold.jsonl (even line numbers), answerable items
  naming `expect_passages` ("doc-id#heading") or a `source` document, and items to decline;
- the dev sets given with --dev (same fields): the real dev set, and the team-written
  decline_dev.jsonl (its many questions to decline keep the threshold from resting on the
  few real ones).

For each question the top CANDIDATES passages (by a fixed pre-rank, plus every right one)
become (features, answers?) rows; a logistic regression over FIT_FEATURES (non-negative
weights, each origin weighing the same in total except `also`) is fitted on them. The
threshold is the lowest that declines MIN_DECLINE of the pooled questions to decline (gold tune
half and every --dev set). The check half of the gold set (odd line numbers) is reported
separately, never fitted.

The gate (with --gate; not the shipped decision, see evals/experiments/answer_gate.md): boosted trees over each question's whole ranking (gate_vector:
the best passage's features, its margins over the best passage of another document, the
ranking's probabilities, the question's length) learn whether the best passage answers. They
replace the threshold for that decision (a best passage the ranking gives GATE_SURE or more
answers anyway); the threshold still bars a second passage. The gate's
threshold declines GATE_MIN_DECLINE of the pooled questions to decline, scored out of fold.

--write stores the model with the data, script and date in bot/retrieval/data/decision.json.
evals/cv_retrieval.py cross-validates this recipe by page (recipe `gate`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from bot.config import Settings
from bot.retrieval.decide import (
    DECISION,
    FEATURES,
    GATE_EXTRA,
    Decision,
    Gate,
    calibrated,
    gate_names,
    gate_vector,
)
from bot.retrieval.match import (
    N_SUGGESTIONS,
    NOT_ANSWERS,
    Index,
    Retriever,
    about_article,
    clauses,
    condense,
    feature_matrix,
    language,
)
from bot.types import Turn, split_conversation, turn_text

GOLD = Path(__file__).parent / "sets" / "retrieval_gold.jsonl"
CANDIDATES = 12
# Chosen by evals/cv_retrieval.py (grouped by page): the embedding similarities get no weight
# once the whole-section character n-grams (charp) are in; fewer features generalise as well.
FIT_FEATURES = ("lexs", "charp", "gapc", "pgap", "known", "hrec")
PRE_RANK = ("qsimc", "psimc", "charp")  # which passages of a question become fitted rows
ALSO_WEIGHT = 0.3  # the corpus's own questions, in total, against 1.0 for each other origin
# Declines of the pooled tune questions to decline (gold half, real dev, team-written). The
# pooled set (~230) gives a stable threshold; 0.90 held 91% declines on the real dev set under
# grouped CV (evals/cv_retrieval.py, corpus a78a0d1b), 0.92 answered fewer gold questions than
# the evals gate allows. Issue 11's target is 95% on the real set.
MIN_DECLINE = 0.90
SECOND_PRECISION = 0.8  # a second passage must be a right one at least this often on the tune data
C = 1.0  # logistic regression's inverse regularisation


@dataclass
class Query:
    text: str
    lang: str
    right: set[str]  # passage keys that answer it; empty: decline
    docs: set[str]  # or whole documents that answer it (gold items naming only a source)
    exclude: set[int]  # question rows hidden (leave-one-out)
    origin: str

    def is_right(self, key: str) -> bool:
        return key in self.right or key.split("#", 1)[0] in self.docs


def read_set(path: Path, origin: str) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def item_text(item: dict) -> str:
    """The query an item is matched with: its text, or its last turn read with the earlier ones."""
    if (conversation := split_conversation(item)) is not None:
        before, last = conversation
        return condense([Turn("user", turn_text(t)) for t in before], last)[0]
    return item["text"]


def to_query(item: dict, origin: str) -> Query:
    answerable = item.get("expect", "answer") == "answer"
    item = dict(item, text=item_text(item))
    right = set(item.get("expect_passages") or []) if answerable else set()
    docs = {item["source"]} if answerable and item.get("source") and not right else set()
    return Query(item["text"], item.get("lang") or language(item["text"]), right, docs, set(), origin)


def leave_one_out(index: Index) -> list[Query]:
    out = []
    for row, (owner, text) in enumerate(zip(index.q_owner, index.q_text, strict=True)):
        p = index.passages[int(owner)]
        if p.meta.get("source_type") in NOT_ANSWERS:
            continue
        if sum(1 for o in index.q_owner if o == owner) < 2:
            continue  # a passage with one question has nothing left to match once it is hidden
        out.append(Query(text, p.lang, {p.key}, set(), {row}, "also"))
    return out


@dataclass
class Row:
    """One question against every eligible passage."""

    query: Query
    group: str  # cross-validation group (a real item's page)
    X: np.ndarray  # features (n_eligible, len(FEATURES))
    y: np.ndarray  # is each passage a right one
    docs: list[str]

    @property
    def origin(self) -> str:
        return self.query.origin

    @property
    def answerable(self) -> bool:
        return bool(self.query.right or self.query.docs)


def build_rows(index: Index, queries: list[Query], groups: list[str], embed) -> list[Row]:
    """Features of every query against every eligible passage, clauses embedded as at run time
    (a left-out corpus question is one clause)."""
    vecs = np.asarray(embed([q.text for q in queries]), dtype=np.float32)
    parts = [[] if q.exclude else clauses(q.text) for q in queries]
    flat = [c for ps in parts for c in ps]
    flat_vecs = np.asarray(embed(flat), dtype=np.float32) if flat else np.zeros((0, vecs.shape[1]), np.float32)
    rows, k = [], 0
    for q, vec, ps, g in zip(queries, vecs, parts, groups, strict=True):
        pv = flat_vecs[k:k + len(ps)]
        k += len(ps)
        lang = q.lang if q.lang in index.langs() else "en"
        eligible = index.eligible(lang)
        X = feature_matrix(index, q.text, vec, eligible, q.exclude, ps, pv)
        y = np.array([q.is_right(index.passages[i].key) for i in eligible], dtype=bool)
        rows.append(Row(q, g, X, y, [index.passages[i].source_id for i in eligible]))
    return rows


def ranking(r: Row, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str], int]:
    """A question's passages best first, as Decision.answers and gate_vector read them."""
    order = np.argsort(-probs, kind="stable")
    return r.X[order], probs[order], [r.docs[i] for i in order], len(r.query.text.split())


def verdict(r: Row, d: Decision, probs: np.ndarray) -> tuple[bool, float]:
    """Does the decision answer this question with its best passage (gate or threshold), and
    with what confidence; as bot.retrieval.match.decide does at run time."""
    return d.answers(*ranking(r, probs))


def tops(rows: list[Row], d: Decision) -> list[tuple[Row, float, bool, np.ndarray]]:
    """Per question: its best passage's probability, whether it is right, and every probability."""
    out = []
    for r in rows:
        p = d.prob(r.X)
        j = int(np.argmax(p))
        out.append((r, float(p[j]), bool(r.y[j]), p))
    return out


def evaluate(rows: list[Row], decision: Decision) -> dict:
    """Answered right / wrong / declined, for the answerable and the questions to decline."""
    n_ans = right = wrong = n_no = declined = suggested = 0
    for r, _, ok, probs in tops(rows, decision):
        answers = verdict(r, decision, probs)[0]
        if r.answerable:
            n_ans += 1
            right += bool(answers and ok)
            wrong += bool(answers and not ok)
            # declined, but a right passage is among the N_SUGGESTIONS best (offered as a question)
            suggested += bool(not answers and r.y[np.argsort(-probs)[:N_SUGGESTIONS]].any())
        else:
            n_no += 1
            declined += not answers
    return {"answerable": n_ans, "answered_right": right, "answered_wrong": wrong,
            "declined_right_suggested": suggested,
            "answered_right_rate": round(right / n_ans, 4) if n_ans else None,
            "decline": n_no, "declined": declined,
            "declined_rate": round(declined / n_no, 4) if n_no else None}


def fit(rows: list[Row], features=FIT_FEATURES, also_weight: float = ALSO_WEIGHT) -> tuple[np.ndarray, float]:
    """Logistic regression with every feature weight kept >= 0 (more similarity never means
    less likely to answer; collinear features otherwise get signs that do not generalise),
    classes balanced, each question's rows weighing one question, each origin the same in
    total (the corpus's own questions also_weight of that), L2 penalty 1/C."""
    from scipy.optimize import minimize

    cols = [FEATURES.index(f) for f in features]
    pre = [FEATURES.index(f) for f in PRE_RANK]
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.origin] = counts.get(r.origin, 0) + 1
    Xs, ys, ws = [], [], []
    for r in rows:
        top = np.union1d(np.argsort(-r.X[:, pre].sum(axis=1))[:CANDIDATES], np.flatnonzero(r.y))
        Xs.append(r.X[np.ix_(top, cols)])
        ys.append(r.y[top].astype(float))
        share = also_weight if r.origin == "also" else 1.0
        ws.append(np.full(len(top), share / counts[r.origin] / len(top)))
    X, y, w = np.vstack(Xs), np.concatenate(ys), np.concatenate(ws)
    pos = y == 1
    w = np.where(pos, w * 0.5 / w[pos].sum(), w * 0.5 / w[~pos].sum()) * len(y)

    def loss(theta):
        z = X @ theta[:-1] + theta[-1]
        p = 1 / (1 + np.exp(-np.clip(z, -40, 40)))
        nll = -np.sum(w * (y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12)))
        grad_z = w * (p - y)
        reg = 0.5 / C * np.sum(theta[:-1] ** 2)
        return nll + reg, np.concatenate([X.T @ grad_z + theta[:-1] / C, [grad_z.sum()]])

    bounds = [(0, None)] * X.shape[1] + [(None, None)]
    theta = minimize(loss, np.zeros(X.shape[1] + 1), jac=True, bounds=bounds, method="L-BFGS-B").x
    return theta[:-1], float(theta[-1])


def choose_threshold(rows: list[Row], d: Decision, min_decline: float = MIN_DECLINE,
                     origins: set[str] | None = None) -> float:
    """The lowest threshold declining min_decline of the (pooled) questions to decline, of the
    given origins (default: every origin but the corpus's own questions)."""
    return declining(rows, [p for _, p, _, _ in tops(rows, d)], min_decline, origins)


PARAPHRASE_GRID = tuple(round(x, 2) for x in np.arange(0.78, 0.96, 0.01))
PARAPHRASE_MAX_LOSS = 0.015  # pooled questions to decline the paraphrase path may answer, at most


def choose_paraphrase(rows: list[Row], d: Decision, max_loss: float = PARAPHRASE_MAX_LOSS) -> float | None:
    """The lowest bar of PARAPHRASE_GRID at which the paraphrase path (Decision.paraphrase)
    costs at most max_loss of the pooled questions to decline (every origin but the corpus's
    own), or None when none does. On the real dev sets the best passage is often right under
    the threshold, and a question that nearly repeats a vetted section's own question
    (MiniLM cosine) is the clearest of those (evals/experiments/decision_on_dev3.md)."""
    tuned = [r for r in rows if r.origin != "also"]
    n_no = sum(not r.answerable for r in tuned)
    if not n_no:
        return None
    base = evaluate(tuned, replace(d, paraphrase=None))["declined"]
    for bar in PARAPHRASE_GRID:
        if (base - evaluate(tuned, replace(d, paraphrase=bar))["declined"]) / n_no <= max_loss:
            return float(bar)
    return None


def declining(rows: list[Row], scores, min_decline: float, origins: set[str] | None) -> float:
    """The lowest threshold on `scores` (one per row) that declines min_decline of the pooled
    questions to decline of `origins` (None: every origin but the corpus's own questions)."""
    no = sorted(p for r, p in zip(rows, scores, strict=True)
                if not r.answerable and r.origin != "also" and (origins is None or r.origin in origins))
    if not no:
        return 0.5
    k = int(np.ceil(min_decline * len(no)))  # this many must fall below the threshold
    return float(min(max(no[k - 1] + 1e-4, 0.05), 0.99))


def choose_second(rows: list[Row], d: Decision) -> float:
    """The lowest probability at which a second passage (another document) is right
    SECOND_PRECISION of the time on the tune data."""
    seconds = []
    for r, _, _, p in tops(rows, d):
        if not r.answerable or not verdict(r, d, p)[0]:
            continue
        order = np.argsort(-p)
        for j in order[1:]:
            if r.docs[j] != r.docs[order[0]]:
                seconds.append((float(p[j]), bool(r.y[j])))
                break
    for t in np.linspace(d.threshold, 0.999, 200):
        shown = [ok for p, ok in seconds if p >= t]
        if shown and sum(shown) / len(shown) >= SECOND_PRECISION:
            return float(t)
    return 0.999


def fold_of(group: str, k: int, seed: int = 0) -> int:
    """A cross-validation fold by group (a page, a document), the same on every run."""
    return zlib.crc32(f"{seed}:{group}".encode()) % k


# The gate (bot.retrieval.decide.Gate): small boosted trees, each of them at most 4 leaves and
# each leaf at least 80 weighted questions, so it learns broad shapes, not single questions.
# Chosen by grouped cross-validation on the dev sets (evals/experiments/answer_gate.md).
GATE_PARAMS = dict(max_iter=100, learning_rate=0.05, max_leaf_nodes=4, min_samples_leaf=80,
                   l2_regularization=1.0, early_stopping=False, random_state=0)
GATE_FOLDS = 5
# The gate's threshold declines this share of the pooled questions to decline (out of fold).
# Under grouped CV (5 folds x 3 seeds, corpus 47934f63) 0.92 answered more and declined more
# than the threshold alone on both real dev sets; 0.94 declined more still but answered no more
# than the threshold alone on dev2 and fewer gold questions than the evals gate allows.
GATE_MIN_DECLINE = 0.92
# A best passage the ranking gives at least this answers whatever the gate says. Without it the
# gate answered fewer of the team-written gold questions (CV 90.3% -> 84.7%, and the evals gate
# failed); with it 88.5%, and the real dev sets keep most of the gate's gain
# (evals/experiments/answer_gate.md).
GATE_SURE = 0.95


def gate_data(rows: list[Row], d: Decision, also_weight: float = ALSO_WEIGHT):
    """Per question: gate_vector of its ranking, whether its best passage answers it, its
    weight (each origin the same in total, the corpus's own questions also_weight of that)."""
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.origin] = counts.get(r.origin, 0) + 1
    X, y, w = [], [], []
    for r, _, ok, probs in tops(rows, d):
        X.append(gate_vector(*ranking(r, probs)))
        y.append(bool(r.answerable and ok))
        w.append((also_weight if r.origin == "also" else 1.0) / counts[r.origin])
    w = np.asarray(w)
    return np.asarray(X), np.asarray(y, dtype=int), w * len(w) / w.sum()


def fit_gate(X: np.ndarray, y: np.ndarray, w: np.ndarray):
    """The trees, monotone in every similarity of the best passage and in its probability and
    margin (more similar never means less likely to answer); free in the rest."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    names = gate_names()
    rising = set(FEATURES) | {"p", "pgap_other"}
    cst = [1 if n in rising else 0 for n in names]
    assert len(names) == X.shape[1] and GATE_EXTRA[0] == "p"
    return HistGradientBoostingClassifier(monotonic_cst=cst, **GATE_PARAMS).fit(X, y, sample_weight=w)


def train_gate(rows: list[Row], d: Decision, min_decline: float = MIN_DECLINE, also_weight: float = ALSO_WEIGHT,
               origins: set[str] | None = None) -> Gate:
    """Fit the gate on every row; its threshold is the lowest that declines min_decline of the
    pooled questions to decline, scored out of fold (GATE_FOLDS folds by group: fitted trees
    score their own training questions too kindly to pick a threshold on)."""
    X, y, w = gate_data(rows, d, also_weight)
    oof = np.full(len(rows), np.nan)
    for k in range(GATE_FOLDS):
        held = np.array([r.origin != "also" and fold_of(r.group, GATE_FOLDS) == k for r in rows])
        if held.any():
            m = fit_gate(X[~held], y[~held], w[~held])
            oof[held] = m.predict_proba(X[held])[:, 1]
    return Gate.from_sklearn(fit_gate(X, y, w), declining(rows, oof, min_decline, origins), GATE_SURE)


def train(rows: list[Row], features=FIT_FEATURES, min_decline: float = MIN_DECLINE,
          also_weight: float = ALSO_WEIGHT, origins: set[str] | None = None, second: bool = True,
          gate: bool = False, gate_min_decline: float = GATE_MIN_DECLINE) -> Decision:
    """The recipe: fit, threshold, (the gate,) second-passage bar."""
    coef, intercept = fit(rows, features, also_weight)
    d = Decision(tuple(float(c) for c in coef), intercept, 0.5, 0.5, "fit", tuple(features))
    t = choose_threshold(rows, d, min_decline, origins)
    d = Decision(d.coef, d.intercept, t, t, "fit", d.features)
    if gate:
        d = Decision(d.coef, d.intercept, t, t, "fit", d.features, train_gate(rows, d, gate_min_decline, also_weight, origins))
    if second:
        d = Decision(d.coef, d.intercept, t, max(t, choose_second(rows, d)), "fit", d.features, d.gate)
    return d


def gold_items() -> list[dict]:
    """The gold set without questions about the popular article (claim cards answer those)."""
    gold = read_set(GOLD, "gold") if GOLD.is_file() else []
    return [g for g in gold if not about_article(item_text(g))]


def dev_items(path: Path) -> list[dict]:
    dev = [g for g in read_set(path, path.name) if not about_article(item_text(g))]
    if any(g.get("expect", "answer") == "answer" and not g.get("expect_passages") for g in dev):
        print(f"note: {path.name} items without expect_passages are left out")
        dev = [g for g in dev if g.get("expect", "answer") != "answer" or g.get("expect_passages")]
    return dev


def group_of(item: dict, origin: str) -> str:
    """Cross-validation group: a real item's page; a gold or team-written answerable item's
    document; a question to decline on its own."""
    if item.get("page"):
        return f"page:{item['page']}"
    if item.get("expect", "answer") == "answer":
        doc = item.get("source") or (item.get("expect_passages") or [item.get("id", "")])[0].split("#")[0]
        return f"{origin}:{doc}"
    return f"{origin}:{item.get('id') or item_text(item)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dev", type=Path, action="append", default=[],
                        help="a dev set (JSONL: text, expect, expect_passages); never the test set")
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--gate", action="store_true", help="let the gate decide whether the best passage answers "
                        "(not the default: evals/experiments/answer_gate.md)")
    parser.add_argument("--paraphrase-only", action="store_true",
                        help="keep the stored decision and pick only its paraphrase bar on these dev sets "
                             "(with --write, rewrite only that in decision.json)")
    args = parser.parse_args(argv)
    for path in args.dev:
        if "test" in path.name:
            parser.error(f"{path} looks like a held-out test set: calibrate on dev data only")
    settings = Settings.from_env()
    index = Retriever(settings).index()
    embed = settings.get_embedder().encode
    gold = gold_items()
    tune = leave_one_out(index)
    groups = ["also"] * len(tune)
    for i, g in enumerate(gold):
        if i % 2 == 0:
            tune.append(to_query(g, "gold"))
            groups.append(group_of(g, "gold"))
    check = [to_query(g, "gold") for i, g in enumerate(gold) if i % 2 == 1]
    for path in args.dev:
        for g in dev_items(path):
            tune.append(to_query(g, path.name))
            groups.append(group_of(g, path.name))
    known = {p.key for p in index.passages} | {p.source_id for p in index.passages}
    stale = [q.text for q in tune + check if (q.right or q.docs) and not ({*q.right, *q.docs} & known)]
    if stale:
        print(f"warning: {len(stale)} items name passages the index lacks (first: {stale[0]!r})")
    tune_rows = build_rows(index, tune, groups, embed)
    check_rows = build_rows(index, check, ["check"] * len(check), embed) if check else []
    if args.paraphrase_only:
        return paraphrase_only(tune_rows, check_rows, args)
    d = train(tune_rows, gate=args.gate)
    report = {
        "tune": evaluate(tune_rows, d),
        "tune_by_origin": {o: evaluate([r for r in tune_rows if r.origin == o], d)
                           for o in sorted({q.origin for q in tune})},
        "check_gold_half": evaluate(check_rows, d) if check_rows else None,
    }
    print("coef", dict(zip(d.features, np.round(d.coef, 3), strict=True)), "intercept", round(d.intercept, 3))
    print("threshold", round(d.threshold, 4), "second", round(d.second, 4),
          "gate threshold", round(d.gate.threshold, 4) if d.gate else None)
    print(json.dumps(report, indent=2))
    if args.write:
        info = {"script": "evals/calibrate_retrieval.py",
                "set": " + ".join(["corpus questions (leave-one-out)", f"{GOLD.name} (even lines)",
                                   *[str(p) for p in args.dev]]),
                "corpus_hash": index.corpus_hash, "date": dt.date.today().isoformat(),
                "candidates": CANDIDATES, "also_weight": ALSO_WEIGHT, "min_decline": MIN_DECLINE,
                **({} if not args.gate else {"gate_min_decline": GATE_MIN_DECLINE, "gate_sure": GATE_SURE,
                                            "gate_params": GATE_PARAMS}),
                "min_decline_over": "pooled questions to decline of every tune origin but the corpus's own",
                **report}
        DECISION.parent.mkdir(parents=True, exist_ok=True)
        DECISION.write_text(json.dumps(d.to_json(**info), indent=2) + "\n")
        print(f"wrote {DECISION}")
    return 0


def paraphrase_only(tune_rows: list[Row], check_rows: list[Row], args) -> int:
    """--paraphrase-only: the stored decision with its paraphrase bar picked on these rows."""
    stored = replace(calibrated(), paraphrase=None)
    bar = choose_paraphrase(tune_rows, stored)
    d = replace(stored, paraphrase=bar)
    origins = sorted({r.origin for r in tune_rows})
    report = {name: {o: evaluate([r for r in tune_rows if r.origin == o], dec) for o in origins}
              for name, dec in (("without", stored), ("with", d))}
    report["check_gold_half"] = {"without": evaluate(check_rows, stored), "with": evaluate(check_rows, d)}
    print(f"paraphrase bar {bar} (max loss {PARAPHRASE_MAX_LOSS} of the pooled declines)")
    print(json.dumps(report, indent=1))
    if args.write:
        data = json.loads(DECISION.read_text())
        data["paraphrase"] = None if bar is None else round(bar, 4)
        data["paraphrase_info"] = {
            "script": "evals/calibrate_retrieval.py --paraphrase-only", "date": dt.date.today().isoformat(),
            "set": " + ".join(["corpus questions (leave-one-out)", f"{GOLD.name} (even lines)",
                               *[str(p) for p in args.dev]]),
            "max_loss": PARAPHRASE_MAX_LOSS, "grid": [PARAPHRASE_GRID[0], PARAPHRASE_GRID[-1]],
            "tune_by_origin": report["with"], "check_gold_half": report["check_gold_half"]["with"]}
        DECISION.write_text(json.dumps(data, indent=2) + "\n")
        calibrated.cache_clear()
        print(f"wrote {DECISION} (paraphrase only)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
