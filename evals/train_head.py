"""Train the patient-words head of the crisis screen and pick its threshold (bot/safety/head.py).

    HF_HUB_OFFLINE=1 python -m evals.train_head            # fit, pick, write bot/safety/data/patient_head.npz
    HF_HUB_OFFLINE=1 python -m evals.train_head --dry-run  # the same, print only

Training rows, every one team-written (never a public source, so the blind table of
evals/train_guard.py stays blind):
- bot/safety/data/guard_exemplars.jsonl (crisis and harm against everything else);
- evals/sets/probes/patient_words_stop32.jsonl (the stop 32 probe set, a dev set since);
- bot/safety/data/patient_words_stop33.jsonl (stop 33: veiled and plain crisis in patients' words,
  threats, and hard look-alikes about the same treatment, English and Spanish);
- the corpus's own headings and phrasings, as questions that are not crisis (weight CORPUS_WEIGHT).

Model: multinomial logistic regression (not risk / crisis / harm to another person) on the unit
MiniLM vector and the hashed word and character n-grams of bot/safety/model.py. C is the value of C_GRID with the best mean crisis recall at a 1% false rate over
5 stratified folds of the team rows.

Threshold: the lowest of THRESHOLDS at which the head adds no crisis to the whole screen
(evals/train_guard.py `dev_items`) on any patient question (corpus phrasings, real dev, decline
dev and gold questions) nor on any dev item that is not a crisis (look-alikes, boundary, clinic,
out of scope). The bundled dev sets already sit near their 0.6% false-crisis limit.
The held-out probe sets (evals/sets/probes/) are never read here.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
TEAM_FILES = (ROOT / "bot" / "safety" / "data" / "guard_exemplars.jsonl",
              ROOT / "evals" / "sets" / "probes" / "patient_words_stop32.jsonl",
              ROOT / "bot" / "safety" / "data" / "patient_words_stop33.jsonl",
              # stop 34: the two held-out sets of stops 32 and 33, read too often to stay held out,
              # and 879 rows two more helper sessions wrote blind (veiled goodbyes, a relative's
              # report, plans, self-harm, threats, and look-alikes)
              ROOT / "evals" / "sets" / "probes" / "heldout_stop32.jsonl",
              ROOT / "evals" / "sets" / "probes" / "heldout_stop33.jsonl",
              ROOT / "bot" / "safety" / "data" / "patient_words_stop34.jsonl")
CORPUS_WEIGHT = 0.3
C_GRID = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
THRESHOLDS = tuple(np.round(np.arange(0.50, 0.995, 0.01), 2))
FOLD_FALSE = 0.01


def team_rows(files: tuple[Path, ...] = TEAM_FILES) -> list[tuple[str, int]]:
    """(text, label) of the training files; the labels are near.py's, which head.py shares
    (0 not risk, 1 crisis, 2 harm to another person)."""
    from bot.safety import near

    return near.rows(files)


def fingerprint(files: tuple[Path, ...] = TEAM_FILES) -> str:
    from bot.safety import near

    return near.fingerprint(files)


def features(vecs: np.ndarray, texts: list[str]):
    from scipy import sparse

    from bot.safety.model import ngram_matrix

    return sparse.hstack([sparse.csr_matrix(unit(vecs)), ngram_matrix(texts)]).tocsr()


def unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)


def weights(y: np.ndarray, corpus: np.ndarray) -> np.ndarray:
    """Each row 1 (corpus rows CORPUS_WEIGHT), then risk rows scaled to weigh as much in all as
    the rest."""
    w = np.where(corpus, CORPUS_WEIGHT, 1.0)
    risk = y != 0
    w[risk] *= w[~risk].sum() / max(w[risk].sum(), 1e-9)
    return w


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, c: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=2000).fit(x, y, sample_weight=w)


def risk_of(clf, x: np.ndarray) -> np.ndarray:
    p = clf.predict_proba(x)
    return 1.0 - p[:, list(clf.classes_).index(0)]


def choose_c(x, y, corpus) -> tuple[float, dict[float, float]]:
    """C with the best mean risk recall at FOLD_FALSE false rate on the held-out folds (team rows
    only are checked; corpus rows always fitted)."""
    from sklearn.model_selection import StratifiedKFold

    team = np.flatnonzero(~corpus)
    skf = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    recall = {}
    for c in C_GRID:
        rs = []
        for tr, te in skf.split(team, y[team]):
            fit_idx = np.concatenate([team[tr], np.flatnonzero(corpus)])
            clf = fit(x[fit_idx], y[fit_idx], weights(y[fit_idx], corpus[fit_idx]), c)
            r = risk_of(clf, x[team[te]])
            neg = r[y[team[te]] == 0]
            cut = np.quantile(neg, 1 - FOLD_FALSE)
            rs.append(float((r[y[team[te]] != 0] > cut).mean()))
        recall[c] = float(np.mean(rs))
    return max(C_GRID, key=lambda c: (recall[c], -c)), recall


def screen_rows(embedder):
    """For every dev item (train_guard.dev_items): its group, whether the screen without the
    head routes it to crisis, whether the head's gates are open, and its vector."""
    from bot.config import Settings
    from bot.safety import screen as guard
    from bot.safety.normalize import normalize
    from evals.train_guard import dev_items

    items, group, origin = dev_items()
    texts = [m for _, m in items]
    vecs = unit(embedder.encode(texts))
    settings = Settings()
    base = np.zeros(len(items), dtype=bool)
    gate = np.zeros(len(items), dtype=bool)
    for i, ((history, message), v) in enumerate(zip(items, vecs, strict=True)):
        r = guard.decide(history, message, query_vec=v, settings=settings, use_head=False)
        base[i] = r.name == "crisis"
        norm = normalize(message)
        if message.strip() and not base[i]:
            gate[i] = guard.head_gate(norm, guard._model_gates(guard.analyse(message), norm, history))
    return group, origin, base, gate, features(vecs, texts)


def pick_threshold(risk: np.ndarray, group: np.ndarray, base: np.ndarray, gate: np.ndarray) -> tuple[float, list]:
    from evals.train_guard import PATIENT

    looks = group == 0
    table = []
    for t in THRESHOLDS:
        added = gate & ~base & (risk >= t)
        row = (float(t), int((added & looks).sum()), int(base[looks].sum()), int((added & (group == 1)).sum()),
               int((added & (group == PATIENT)).sum()))
        table.append(row)
        if row[1] == 0 and row[3] == 0 and row[4] == 0:
            return float(t), table
    return 1.01, table  # off


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dry-run", action="store_true", help="print, write nothing")
    ap.add_argument("--show", type=float, default=0.0,
                    help="print the dev items (not the probe sets) the head would add at this probability")
    args = ap.parse_args(argv)

    from bot.retrieval.embed import default_embedder
    from bot.safety.head import Head, save
    from bot.safety.model import NGRAM_DIM, embedder_name
    from evals.patient_questions import corpus_phrasings

    t0 = time.time()
    embedder = default_embedder()
    rows = team_rows()
    corpus_q = [q.text for q in corpus_phrasings()]
    texts = [t for t, _ in rows] + corpus_q
    y = np.array([lab for _, lab in rows] + [0] * len(corpus_q))
    corpus = np.array([False] * len(rows) + [True] * len(corpus_q))
    x = features(embedder.encode(texts), texts)
    print(f"rows: {len(rows)} team-written ({int((y[~corpus] == 1).sum())} crisis, {int((y[~corpus] == 2).sum())} harm), "
          f"{len(corpus_q)} corpus phrasings")
    c, recall = choose_c(x, y, corpus)
    print("fold risk recall at 1% false: " + ", ".join(f"C={k:g}: {v:.3f}" for k, v in recall.items()) + f" -> C={c:g}")
    clf = fit(x, y, weights(y, corpus), c)
    group, origin, base, gate, dev_x = screen_rows(embedder)
    risk = risk_of(clf, dev_x)
    t, table = pick_threshold(risk, group, base, gate)
    for row in table[-6:]:
        print("threshold {:.2f}: dev look-alikes added {} (already {}), other dev labels {}, patient questions {}".format(*row))
    print(f"threshold: {t:.2f} ({time.time() - t0:.0f} s)")
    if args.show:
        from evals.train_guard import dev_items

        items = dev_items()[0]
        for i in np.argsort(-risk):
            if gate[i] and not base[i] and risk[i] >= args.show:
                print(f"  {risk[i]:.3f} {origin[i]} | {items[i][1][:120]}")
    dim = x.shape[1] - NGRAM_DIM  # the vector's columns come first (features)
    w = np.zeros((3, x.shape[1]), dtype=np.float32)
    b = np.zeros(3, dtype=np.float32)
    for k, cls in enumerate(clf.classes_):
        w[int(cls)] = clf.coef_[k]
        b[int(cls)] = clf.intercept_[k]
    head = Head(w[:, :dim], w[:, dim:], b, t, embedder_name(embedder), fingerprint())
    if not args.dry_run:
        save(head)
        print("wrote bot/safety/data/patient_head.npz")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
