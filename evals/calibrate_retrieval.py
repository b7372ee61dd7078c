"""Calibrate the decision "does this passage answer this question?" (bot.retrieval.decide).

    BOT_DATA_DIR=... BOT_CORPUS_DIR=... .venv/bin/python -m evals.calibrate_retrieval [--dev FILE] [--write]

Tuning data (dev only; evals/sets/real/test.jsonl is never read here):
- every question of the ingested corpus, left out in turn: each section heading and `also`
  phrasing is matched with its own vector hidden, and must find its own passage;
- the tune half of evals/sets/retrieval_gold.jsonl (even line numbers), answerable items
  naming `expect_passages` ("doc-id#heading") or a `source` document, and items to decline;
- optionally the real dev set (--dev evals/sets/real/dev.jsonl, same fields).

For each question the top CANDIDATES passages (by the current decision) become
(features, answers?) rows; a logistic regression (non-negative weights) is fitted on them, then the threshold is
the lowest that declines at least MIN_DECLINE of the questions to decline. The check half of
the gold set (odd line numbers) is reported separately, never fitted. --write stores the
model with the data, script and date in bot/retrieval/data/decision.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.config import Settings
from bot.retrieval.decide import DECISION, FEATURES, Decision, calibrated
from bot.retrieval.match import (
    NOT_ANSWERS,
    Index,
    Retriever,
    about_article,
    condense,
    feature_matrix,
    language,
)
from bot.types import Turn

GOLD = Path(__file__).parent / "sets" / "retrieval_gold.jsonl"
CANDIDATES = 8
MIN_DECLINE = 0.95  # issue 11: at least 95% of questions the corpus cannot answer are declined
SECOND_PRECISION = 0.8  # a second passage must be a right one at least this often on the tune data
C = 1.0  # logistic regression's inverse regularisation (sklearn default)


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
    if item.get("turns"):
        *before, last = item["turns"]
        return condense([Turn("user", t) for t in before], last)[0]
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


def rows_for(index: Index, queries: list[Query], vecs: np.ndarray, decision: Decision):
    """Per question: the candidates' features and labels (eligible passages, top CANDIDATES)."""
    out = []
    for q, vec in zip(queries, vecs, strict=True):
        lang = q.lang if q.lang in index.langs() else "en"
        eligible = [i for i, p in enumerate(index.passages)
                    if p.lang == lang and p.meta.get("source_type") not in NOT_ANSWERS]
        X = feature_matrix(index, q.text, vec, eligible, q.exclude)
        order = np.argsort(-decision.prob(X))[:CANDIDATES]
        keys = [index.passages[eligible[j]].key for j in order]
        docs = [index.passages[eligible[j]].source_id for j in order]
        out.append((q, X[order], np.array([q.is_right(k) for k in keys]), docs))
    return out


def evaluate(rows, decision: Decision) -> dict:
    """Answered right / wrong / declined, for the answerable and the questions to decline."""
    n_ans = right = wrong = n_no = declined = 0
    for q, X, y, _ in rows:
        p = decision.prob(X)
        top = int(np.argmax(p))
        answers = p[top] >= decision.threshold
        if q.right or q.docs:
            n_ans += 1
            right += bool(answers and y[top])
            wrong += bool(answers and not y[top])
        else:
            n_no += 1
            declined += not answers
    return {"answerable": n_ans, "answered_right": right, "answered_wrong": wrong,
            "answered_right_rate": round(right / n_ans, 4) if n_ans else None,
            "decline": n_no, "declined": declined,
            "declined_rate": round(declined / n_no, 4) if n_no else None}


def fit(rows) -> tuple[np.ndarray, float]:
    """Logistic regression with every feature weight kept >= 0 (more similarity never means
    less likely to answer; collinear features otherwise get signs that do not generalise),
    classes balanced, L2 penalty 1/C."""
    from scipy.optimize import minimize

    X = np.vstack([r[1] for r in rows])
    y = np.concatenate([r[2] for r in rows]).astype(float)
    w = np.where(y == 1, 0.5 / max(y.mean(), 1e-9), 0.5 / max(1 - y.mean(), 1e-9))
    # Each origin (corpus questions, gold, each dev set) weighs the same in total: hundreds of
    # short leave-one-out paraphrases must not drown the real questions.
    origins = np.concatenate([[r[0].origin] * len(r[2]) for r in rows])
    for o in set(origins):
        w[origins == o] *= len(origins) / (len(set(origins)) * np.sum(origins == o))

    def loss(theta):
        z = X @ theta[:-1] + theta[-1]
        p = 1 / (1 + np.exp(-np.clip(z, -40, 40)))
        nll = -np.sum(w * (y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12)))
        grad_z = w * (p - y)
        reg = 0.5 / C * np.sum(theta[:-1] ** 2)
        grad = np.concatenate([X.T @ grad_z + theta[:-1] / C, [grad_z.sum()]])
        return nll + reg, grad

    bounds = [(0, None)] * X.shape[1] + [(None, None)]
    theta = minimize(loss, np.zeros(X.shape[1] + 1), jac=True, bounds=bounds, method="L-BFGS-B").x
    return theta[:-1], float(theta[-1])


def choose_threshold(rows, coef, intercept) -> float:
    """The lowest threshold declining MIN_DECLINE of the questions to decline; without such
    questions, the one that maximises right minus wrong answers."""
    base = Decision(tuple(coef), intercept, 0.5, 0.5)
    tops = [(bool(q.right or q.docs), float(base.prob(X).max()), bool(y[int(np.argmax(base.prob(X)))]))
            for q, X, y, _ in rows]
    no = sorted(p for a, p, _ in tops if not a)
    if no:
        k = int(np.ceil(MIN_DECLINE * len(no)))  # this many must fall below the threshold
        t = no[k - 1] + 1e-4 if k <= len(no) else 0.5
        return float(min(max(t, 0.05), 0.99))
    grid = np.linspace(0.05, 0.95, 91)
    score = [sum((p >= t) * (1 if r else -1) for a, p, r in tops if a) for t in grid]
    return float(grid[int(np.argmax(score))])


def choose_second(rows, d: Decision) -> float:
    """The lowest probability at which a second passage (another document) is right
    SECOND_PRECISION of the time on the tune data."""
    seconds = []
    for q, X, y, docs in rows:
        if not (q.right or q.docs):
            continue
        p = d.prob(X)
        order = np.argsort(-p)
        if p[order[0]] < d.threshold:
            continue
        for j in order[1:]:
            if docs[j] != docs[order[0]]:
                seconds.append((float(p[j]), bool(y[j])))
                break
    for t in np.linspace(d.threshold, 0.999, 200):
        shown = [ok for p, ok in seconds if p >= t]
        if shown and sum(shown) / len(shown) >= SECOND_PRECISION:
            return float(t)
    return 0.999


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dev", type=Path, action="append", default=[],
                        help="a dev set (JSONL: text, expect, expect_passages); never the test set")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    for path in args.dev:
        if "test" in path.name:
            parser.error(f"{path} looks like a held-out test set: calibrate on dev data only")
    settings = Settings.from_env()
    retriever = Retriever(settings)
    index = retriever.index()
    embedder = settings.get_embedder()
    gold = read_set(GOLD, "gold") if GOLD.is_file() else []
    # Questions about the popular article are answered by claim cards, not by this decision.
    gold = [g for g in gold if not about_article(item_text(g))]
    tune = leave_one_out(index) + [to_query(g, "gold") for i, g in enumerate(gold) if i % 2 == 0]
    check = [to_query(g, "gold") for i, g in enumerate(gold) if i % 2 == 1]
    for path in args.dev:
        dev = [g for g in read_set(path, path.name) if not about_article(item_text(g))]
        if any(g.get("expect", "answer") == "answer" and not g.get("expect_passages") for g in dev):
            print(f"note: {path.name} items without expect_passages are left out")
            dev = [g for g in dev if g.get("expect", "answer") != "answer" or g.get("expect_passages")]
        tune += [to_query(g, path.name) for g in dev]
    known = {p.key for p in index.passages} | {p.source_id for p in index.passages}
    stale = [q.text for q in tune + check if (q.right or q.docs)
             and not ({*q.right, *q.docs} & known)]
    if stale:
        print(f"warning: {len(stale)} items name passages the index lacks (first: {stale[0]!r})")
    vec_of = lambda qs: np.asarray(embedder.encode([q.text for q in qs]), dtype=np.float32)  # noqa: E731
    start = calibrated()
    tune_rows = rows_for(index, tune, vec_of(tune), start)
    coef, intercept = fit(tune_rows)
    threshold = choose_threshold(tune_rows, coef, intercept)
    d = Decision(tuple(float(c) for c in coef), intercept, threshold, threshold)
    # Re-rank with the fitted model (candidates came from the starting one), then pick the second.
    tune_rows = rows_for(index, tune, vec_of(tune), d)
    d = Decision(d.coef, d.intercept, d.threshold, max(d.threshold, choose_second(tune_rows, d)))
    check_rows = rows_for(index, check, vec_of(check), d) if check else []
    report = {
        "tune": evaluate(tune_rows, d),
        "tune_by_origin": {o: evaluate([r for r in tune_rows if r[0].origin == o], d)
                           for o in sorted({q.origin for q in tune})},
        "check_gold_half": evaluate(check_rows, d) if check_rows else None,
    }
    print("coef", dict(zip(FEATURES, np.round(d.coef, 3), strict=True)), "intercept", round(d.intercept, 3))
    print("threshold", round(d.threshold, 4), "second", round(d.second, 4))
    print(json.dumps(report, indent=2))
    if args.write:
        info = {"script": "evals/calibrate_retrieval.py",
                "set": " + ".join(["corpus questions (leave-one-out)", f"{GOLD.name} (even lines)",
                                   *[str(p) for p in args.dev]]),
                "corpus_hash": index.corpus_hash, "date": dt.date.today().isoformat(),
                "candidates": CANDIDATES, "min_decline": MIN_DECLINE, **report}
        DECISION.parent.mkdir(parents=True, exist_ok=True)
        DECISION.write_text(json.dumps(d.to_json(**info), indent=2) + "\n")
        print(f"wrote {DECISION}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
