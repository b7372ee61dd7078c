"""Train the crisis screen's tuned encoder (bot/safety/encoder.py; branch `encoder-tier`).

    HF_HUB_OFFLINE=1 python -m evals.train_encoder            # fit, write bot/safety/data/team_encoder.npz
    HF_HUB_OFFLINE=1 python -m evals.train_encoder --dry-run  # the same, print only

Training rows, every one team-written (never a public source, so the blind report of
evals/train_guard.py may score it): the single messages of evals/team_encoder_experiment.py's
TRAIN_FILES (the exemplars and every spent probe set up to heldout_stop39), and the corpus's own
headings and phrasings as not risk (without them the tuned model read 22 Spanish corpus questions,
"para que sirve la ketamina" among them, as crisis). Never evals/sets/probes/heldout_stop40.jsonl,
the held-out set it is measured on.

Recipe (the best shape of evals/experiments/team_encoder.md): rank-16 low-rank adapters on every
linear map of the bundled all-MiniLM-L6-v2, trained one epoch with a logistic scorer alongside
(binary cross-entropy, AdamW 1e-3, batch 32, seed 0); then the adapters are merged and exported
to ONNX (bot/safety/encoder.ensure) and a logistic regression is fitted on the served model's
unit vectors. Threshold: the 99.5th percentile of the out-of-fold scores of the not-risk training
rows, raised over the highest risk of any patient question (evals/patient_questions.py) the team
tiers' gate lets through. The bundled dev sets' false-crisis limit is checked by `make eval`.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

RANK = 16
LR = 1e-3
C = 4.0
QUANTILE = 0.995


def gate_open(text: str) -> bool:
    """Whether the screen's team tiers may read `text` as a single message (screen.team_open)."""
    from bot.safety import screen
    from bot.safety.normalize import normalize

    norm = normalize(text)
    return screen.team_open(norm, screen._model_gates(screen.analyse(text), norm, []))  # noqa: SLF001


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dry-run", action="store_true", help="print, write nothing")
    ap.add_argument("--out", type=Path, default=None, help="where to write (default bot/safety/data/team_encoder.npz)")
    args = ap.parse_args(argv)
    import torch
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from bot.retrieval import onnx_model
    from bot.safety import encoder, near
    from evals import team_encoder_experiment as tee

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    t0 = time.time()
    from evals.patient_questions import corpus_phrasings, patient_questions

    train = list(dict.fromkeys((t, label) for f in tee.TRAIN_FILES for t, label, _ in tee.single_rows(f)))
    corpus = [(q.text, 0) for q in corpus_phrasings()]
    print(f"rows: {len(train)} team-written ({sum(label for _, label in train)} risk), "
          f"{len(corpus)} corpus phrasings (not risk)")
    train = list(dict.fromkeys(train + corpus))
    texts, y = [t for t, _ in train], np.array([label for _, label in train])
    keep: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        tee.fine_tune(train, Path(tmp) / "model", 1, LR, lora=RANK, loss_name="bce", keep=keep)
    dim = next(iter(keep["adapters"].values()))[0].shape[1]
    stored = encoder.Stored(keep["adapters"], float(keep["scale"]), np.zeros(dim, dtype=np.float32), 0.0, 1.0,
                            onnx_model.model_key(), near.fingerprint(tee.TRAIN_FILES))
    served = encoder.TeamEncoder(stored, encoder.ensure(stored))
    x = served.vectors(texts)
    lr = LogisticRegression(C=C, max_iter=2000, class_weight="balanced")
    oof = cross_val_predict(lr, x, y, cv=StratifiedKFold(5, shuffle=True, random_state=0),
                            method="predict_proba")[:, 1]
    threshold = float(np.quantile(oof[y == 0], QUANTILE))
    lr.fit(x, y)
    # no patient question to crisis: over the highest risk of a patient question (corpus phrasings,
    # real dev, decline dev and gold questions) where the team tiers' gate is open
    questions = [q for q in patient_questions() if not q.history and gate_open(q.text)]
    risk = lr.predict_proba(served.vectors([q.text for q in questions]))[:, 1]
    if len(risk) and risk.max() >= threshold:
        top = int(np.argmax(risk))
        print(f"threshold {threshold:.3f} -> {min(1.0, risk[top] + 1e-3):.3f}: patient question {questions[top].id}")
        threshold = min(1.0, float(risk[top]) + 1e-3)
    stored = encoder.Stored(stored.adapters, stored.scale, lr.coef_[0].astype(np.float32), float(lr.intercept_[0]),
                            threshold, stored.base, stored.sources)
    recall = float(np.mean(oof[y == 1] >= threshold))
    print(f"threshold {threshold:.3f}: out-of-fold risk recall {recall:.1%} at {1 - QUANTILE:.1%} false "
          f"({time.time() - t0:.0f} s)")
    if not args.dry_run:
        out = args.out or encoder.ENCODER_PATH
        encoder.save(out, stored)
        encoder.load.cache_clear()
        print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
